{#- Schemas are named as configured (staging, intermediate, marts, lookups), not <target>_<custom>:
    the publish step and the gates read marts.<model> by a fixed name. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
