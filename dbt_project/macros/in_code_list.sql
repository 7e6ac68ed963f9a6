{#- Whether a code is one of a comma list of codes ('national,provincial_ministerial'), as the rules'
    loader writes a list into one column (raw.evaluation_scopes.unit_types, raw.evaluation_rules'
    award filters). Portable: no list type, no split function. -#}
{% macro in_code_list(code, code_list) -%}
    {{ dbt.concat(["','", code_list, "','"]) }} like {{ dbt.concat(["'%,'", code, "',%'"]) }}
{%- endmacro %}
