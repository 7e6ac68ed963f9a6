-- Talent titles, one row per title conferred on a person, with the person's unit (null: the institute as
-- a whole), the metrics it counts towards and the file and row it came from. The person is as submitted,
-- or the salted hash (pid_…) the ingest put in place of an ID number.
with

talent_titles as (
    select * from {{ ref('stg_raw__talent_titles') }}
),

metric_lists as (
    select * from {{ ref('int_record_metric_lists') }}
    where domain = 'talent'
),

final as (
    select
        talent_titles.institute_id,
        talent_titles.unit_id,
        talent_titles.year,
        talent_titles.person,
        talent_titles.title,
        talent_titles.conferred_by,
        talent_titles.level,
        metric_lists.metric_ids,
        talent_titles.source_file,
        talent_titles.source_sheet,
        talent_titles.source_row,
        talent_titles.file_sha256
    from talent_titles
    left join metric_lists
        on {{ record_key('talent_titles') }} = metric_lists.item_key
)

select * from final
