-- The project-count rows behind the project metrics, with the unit each is of (null: the institute as a
-- whole), the metrics each counts towards and the file and row it came from.
with

project_counts as (
    select * from {{ ref('stg_raw__project_counts') }}
),

metric_lists as (
    select * from {{ ref('int_record_metric_lists') }}
    where domain = 'projects'
),

final as (
    select
        project_counts.institute_id,
        project_counts.year,
        project_counts.unit_id,
        project_counts.level,
        project_counts.funder,
        project_counts.stage,
        project_counts.evaluation,
        project_counts.project_count,
        project_counts.qualifier,
        metric_lists.metric_ids,
        project_counts.source_file,
        project_counts.source_sheet,
        project_counts.source_row,
        project_counts.file_sha256
    from project_counts
    left join metric_lists
        on {{ record_key('project_counts') }} = metric_lists.item_key
)

select * from final
