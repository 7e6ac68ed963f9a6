-- Every spelling of a registered institute (its id, names and aliases), folded as the ingest folds an
-- institute cell before looking it up: th_names and th_key are the ingest's own (pipelines/ingest/
-- sql_functions.py; macros/th_text.sql), so a cell resolves here exactly as it would have in the ingest.
-- A spelling of two institutes names neither (the register quarantines the later of them, so none is
-- expected).
with

institutes as (
    select * from {{ ref('stg_raw__institutes') }}
),

names as (
    select
        institute_id,
        {{ unnest_list(th_names('institute_id', 'name_zh', 'name_en', 'aliases')) }} as spelling
    from institutes
),

spellings as (
    select
        institute_id,
        {{ th_key('spelling') }} as spelling_key
    from names
),

final as (
    select
        spelling_key,
        min(institute_id) as institute_id
    from spellings
    where spelling_key is not null
    group by spelling_key
    having count(distinct institute_id) = 1
)

select * from final
