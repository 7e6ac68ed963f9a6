{#-
  A model written straight to a Parquet file, with a view over the file in the warehouse (for refs,
  data tests and the quality gate). For record marts that grow with the submissions: at 1e7 volunteer
  records a table would be written twice (the warehouse's own format, then Parquet at publish), and the
  write would wait for the end of the build. Written here, it runs while dbt works through the other
  nodes, and the publish step links the file into the new version instead of exporting it again.

  The file is <var touyan_export_dir>/<model name>.parquet (pipelines/refresh/transform.py passes the
  folder in --vars; by hand, ../data/dbt/exports, which must exist). Rows keep the order of the query (no sort is added). The file is
  written to a temporary name and renamed over the old one, so a published version that links the old
  file keeps it intact.
-#}
{% materialization parquet_file, adapter='duckdb' %}
  {%- set folder = var('touyan_export_dir', '../data/dbt/exports') -%}
  {%- set location = folder ~ '/' ~ this.identifier ~ '.parquet' -%}
  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set existing_relation = load_cached_relation(this) -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {%- if config.get('contract').enforced -%}
    {#- checked against the types the file will have: Parquet has no ENUM, it stores the text -#}
    {%- set as_text = [] -%}
    {%- for column in adapter.get_column_schema_from_query(sql) if column.dtype.upper().startswith('ENUM') -%}
      {%- do as_text.append('cast(' ~ adapter.quote(column.name) ~ ' as varchar) as ' ~ adapter.quote(column.name)) -%}
    {%- endfor -%}
    {{ get_assert_columns_equivalent('select * replace (' ~ as_text | join(', ') ~ ') from (' ~ sql ~ ')'
                                     if as_text else sql) }}
  {%- endif -%}

  {% call statement('main') -%}
    copy ({{ sql }}) to '{{ location }}' (format parquet, compression zstd, use_tmp_file true)
  {%- endcall %}

  {%- if existing_relation is not none and existing_relation.type != 'view' -%}
    {{ adapter.drop_relation(existing_relation) }}
  {%- endif -%}
  {% call statement('view') -%}
    create or replace view {{ target_relation }} as select * from read_parquet('{{ location }}')
  {%- endcall %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do persist_docs(target_relation, model) %}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#-
  On Spark a table is already Parquet files (dbt-spark's default file format): the model is built as the
  table materialization builds one, in the warehouse of the Spark catalog, and the refresh publishes it
  from there like any other mart.
-#}
{% materialization parquet_file, adapter='spark' %}
  {{ return(materialization_table_spark()) }}
{% endmaterialization %}
