{#- A unit's id across the project: its institute's id and its code in the units register,
    "FJQI:L01". Null when the row names no unit (it counts for the institute only). -#}
{% macro unit_id(institute_id, unit_code) -%}
    {%- set text = api.Column.translate_type("string") -%}
    case when {{ unit_code }} is not null then {{ dbt.concat([dbt.cast(institute_id, text), "':'",
                                                            dbt.cast(unit_code, text)]) }} end
{%- endmacro %}
