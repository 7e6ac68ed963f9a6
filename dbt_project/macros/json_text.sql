{#- The text at a JSON path of a JSON text ('$.institute'), null where there is none. -#}
{% macro json_text(json, path) -%}
    {{ return(adapter.dispatch('json_text')(json, path)) }}
{%- endmacro %}

{% macro duckdb__json_text(json, path) -%}
    json_extract_string({{ json }}, {{ path }})
{%- endmacro %}

{% macro spark__json_text(json, path) -%}
    get_json_object({{ json }}, {{ path }})
{%- endmacro %}
