{#- dbt-duckdb's safe_cast is a plain cast: a bad string would abort the build. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
