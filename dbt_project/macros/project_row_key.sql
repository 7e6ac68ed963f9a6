{#- A project-count row is its own counted item: its key is institute, file and row. Used where the
    contributions are made and where the record mart finds the metrics a row counts towards. -#}
{% macro project_row_key(relation) -%}
    {{ dbt.concat([relation ~ ".institute_id", "'|'", relation ~ ".source_file", "'|'",
                   dbt.cast(relation ~ ".source_row", api.Column.translate_type("string"))]) }}
{%- endmacro %}
