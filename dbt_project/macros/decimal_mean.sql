{#- The mean of a column of doubles, added up as exact decimals (to a millionth): an average of doubles
    depends on the order threads add them in, and a refresh of the same files must repeat it to the last
    bit. As a double. DuckDB's avg of a decimal is a double; Spark's is a decimal rounded to 10 places
    (off by up to ~5e-11), so there the exact sum is divided by the count as doubles. -#}
{% macro decimal_mean(expression) -%}
    {{ return(adapter.dispatch('decimal_mean')(expression)) }}
{%- endmacro %}

{% macro duckdb__decimal_mean(expression) -%}
    avg(cast({{ expression }} as decimal(38, 6)))
{%- endmacro %}

{% macro default__decimal_mean(expression) -%}
    cast(sum(cast({{ expression }} as decimal(38, 6))) as double) / count({{ expression }})
{%- endmacro %}
