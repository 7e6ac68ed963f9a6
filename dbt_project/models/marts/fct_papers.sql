-- Papers, one row per paper, with its first author's unit (null: the institute as a whole), the metrics
-- it counts towards and the file and row it came from.
with

papers as (
    select * from {{ ref('stg_raw__papers') }}
),

contributions as (
    select * from {{ ref('int_metric_contributions') }}
    where metric_id like 'pap\_%' escape '\'
),

metric_lists as (
    select
        item_key,
        {{ dbt.listagg('metric_id', "','", 'order by metric_id') }} as metric_ids
    from contributions
    group by item_key
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
