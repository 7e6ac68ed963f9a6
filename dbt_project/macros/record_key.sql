{#- A record that is its own counted item (a project-count row, an award, a paper, a talent title) is keyed
    by its institute, file, sheet and row. Used where the contributions are made and where the record marts
    find the metrics a row counts towards. -#}
{% macro record_key(relation) -%}
    {%- set text = api.Column.translate_type("string") -%}
    {{ dbt.concat([relation ~ ".institute_id", "'|'", relation ~ ".source_file", "'|'",
                   "coalesce(" ~ relation ~ ".source_sheet, '')", "'|'",
                   dbt.cast(relation ~ ".source_row", text)]) }}
{%- endmacro %}
