-- Papers, one row per paper, with its first author's unit (null: the institute as a whole), the metrics
-- it counts towards and the file and row it came from.
with

papers as (
    select * from {{ ref('stg_raw__papers') }}
),

metric_lists as (
    select * from {{ ref('int_record_metric_lists') }}
    where domain = 'papers'
),

final as (
    select
        papers.institute_id,
        papers.unit_id,
        papers.year,
        papers.title,
        papers.journal,
        papers.indexed,
        papers.first_author,
        papers.doi,
        metric_lists.metric_ids,
        papers.source_file,
        papers.source_sheet,
        papers.source_row,
        papers.file_sha256
    from papers
    left join metric_lists
        on {{ record_key('papers') }} = metric_lists.item_key
)

select * from final
