{#- numerator / denominator, null when the denominator is null or zero (never a division error). -#}
{% macro ratio(numerator, denominator) -%}
    case when {{ denominator }} <> 0 then cast({{ numerator }} as double) / {{ denominator }} end
{%- endmacro %}
