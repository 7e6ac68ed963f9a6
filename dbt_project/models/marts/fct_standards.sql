-- Standards drafted, one row per institute and standard number, with the unit that drafted it (null: the
-- institute as a whole), the year and metrics each counts towards, whether other institutes drafted it
-- too, the awards the institute received for it (awards whose for_ref is its number), and the file and row
-- it came from.
with

standards as (
    select * from {{ ref('stg_raw__standards') }}
),

metric_lists as (
    select * from {{ ref('int_record_metric_lists') }}
    where domain = 'standards'
),

awards_for as (
    select * from {{ ref('int_award_links') }}
    where for_kind = 'standard'
),

drafters as (
    select std_no, count(distinct institute_id) as drafter_count
    from standards
    group by std_no
),

final as (
    select
        standards.institute_id,
        standards.unit_id,
        standards.std_no,
        standards.std_level,
        standards.std_province_code,
        standards.std_year,
        standards.title,
        standards.role,
        standards.action,
        standards.publish_date,
        standards.effective_date,
        standards.publish_year as year,
        metric_lists.metric_ids,
        drafters.drafter_count > 1 as is_co_drafted,
        cast(coalesce(awards_for.award_count, 0) as integer) as award_count,
        awards_for.award_names,
        standards.source_file,
        standards.source_sheet,
        standards.source_row,
        standards.file_sha256
    from standards
    inner join drafters
        on standards.std_no = drafters.std_no
    left join metric_lists
        on standards.institute_id = metric_lists.institute_id
        and standards.std_no = metric_lists.item_key
    left join awards_for
        on standards.institute_id = awards_for.institute_id
        and standards.std_no = awards_for.for_ref
)

select * from final
