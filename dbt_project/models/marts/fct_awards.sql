-- Science and technology awards, one row per award received, with the unit (null: the institute as a
-- whole), the metrics each counts towards, whether what it was given for is in the marts — a standard or
-- patent / software number of the same institute (is_linked) — and the file and row it came from.
with

awards as (
    select * from {{ ref('stg_raw__awards') }}
),

standards as (
    select * from {{ ref('stg_raw__standards') }}
),

ip_items as (
    select * from {{ ref('stg_raw__ip_items') }}
),

metric_lists as (
    select * from {{ ref('int_record_metric_lists') }}
    where domain = 'awards'
),

final as (
    select
        awards.institute_id,
        awards.unit_id,
        awards.year,
        awards.award_name,
        awards.awarding_body,
        awards.level,
        awards.grade,
        awards.role,
        awards.for_title,
        awards.for_ref,
        awards.for_kind,
        coalesce(standards.std_no is not null or ip_items.ip_number is not null, false) as is_linked,
        metric_lists.metric_ids,
        awards.source_file,
        awards.source_sheet,
        awards.source_row,
        awards.file_sha256
    from awards
    left join metric_lists
        on {{ record_key('awards') }} = metric_lists.item_key
    left join standards
        on awards.institute_id = standards.institute_id
        and awards.for_kind = 'standard'
        and awards.for_ref = standards.std_no
    left join ip_items
        on awards.institute_id = ip_items.institute_id
        and awards.for_kind in ('patent', 'software')
        and awards.for_ref = ip_items.ip_number
)

select * from final
