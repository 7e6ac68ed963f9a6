{#- One row per element of a list (select list of a query over one table): DuckDB's unnest, Spark's explode.
    Spark takes no generator inside another expression: apply functions to the elements a step later. -#}
{% macro unnest_list(list) -%}
    {{ return(adapter.dispatch('unnest_list')(list)) }}
{%- endmacro %}

{% macro duckdb__unnest_list(list) -%}
    unnest({{ list }})
{%- endmacro %}

{% macro spark__unnest_list(list) -%}
    explode({{ list }})
{%- endmacro %}
