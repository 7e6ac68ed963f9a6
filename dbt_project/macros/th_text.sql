{#- The ingest's cell folding (pipelines/ingest/sql_functions.py), for the models that resolve an institute
    cell as the ingest did (int_institute_spellings, int_quarantined_rows). On DuckDB the warehouse has the
    ingest's own SQL macros th_key and th_names (the ingest that built it defined them), called as they are;
    on Spark the same expressions are written out here. The translate() strings are sql_functions' _FULL
    and _HALF (full-width forms, ideographic and no-break spaces, dashes to ASCII; zero-width space and BOM
    deleted) in Spark's literal syntax: backslash escapes, and \uXXXX for the invisible characters. -#}

{#- A cell folded for lookup: full-width to half-width, trimmed, empty as null, spaces out, lower case. -#}
{% macro th_key(text) -%}
    {{ return(adapter.dispatch('th_key')(text)) }}
{%- endmacro %}

{% macro duckdb__th_key(text) -%}
    th_key({{ text }})
{%- endmacro %}

{% macro spark__th_key(text) -%}
    lower(replace(nullif(trim(translate({{ text }},
        '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～\u3000\u00a0\u2014\u2013\u2212\u200b\ufeff',
        '!"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~  ---')), ''), ' ', ''))
{%- endmacro %}

{#- Every spelling an institute is known by, as a list: its id, names and aliases (、 ; , separated). -#}
{% macro th_names(institute_id, name_zh, name_en, aliases) -%}
    {{ return(adapter.dispatch('th_names')(institute_id, name_zh, name_en, aliases)) }}
{%- endmacro %}

{% macro duckdb__th_names(institute_id, name_zh, name_en, aliases) -%}
    th_names({{ institute_id }}, {{ name_zh }}, {{ name_en }}, {{ aliases }})
{%- endmacro %}

{% macro spark__th_names(institute_id, name_zh, name_en, aliases) -%}
    concat(array({{ institute_id }}, {{ name_zh }}, {{ name_en }}),
           coalesce(split({{ aliases }}, '[;；、,，]'), array()))
{%- endmacro %}
