-- Patents and software copyrights, one row per institute and number, with the unit it belongs to (null:
-- the institute as a whole), the year and metrics each counts towards, whether another institute lists it
-- too, the awards the institute received for it (awards whose for_ref is its number), and the file and
-- row it came from.
with

ip_items as (
    select * from {{ ref('stg_raw__ip_items') }}
),

metric_lists as (
    select * from {{ ref('int_record_metric_lists') }}
    where domain = 'ip'
),

awards_for as (
    select * from {{ ref('int_award_links') }}
    where for_kind in ('patent', 'software')
),

owners as (
    select ip_number, count(distinct institute_id) as owner_count
    from ip_items
    group by ip_number
),

final as (
    select
        ip_items.institute_id,
        ip_items.unit_id,
        ip_items.ip_number,
        ip_items.ip_type,
        ip_items.title,
        ip_items.status,
        ip_items.app_date,
        ip_items.grant_date,
        ip_items.grant_year as year,
        metric_lists.metric_ids,
        owners.owner_count > 1 as is_co_owned,
        cast(coalesce(awards_for.award_count, 0) as integer) as award_count,
        awards_for.award_names,
        ip_items.source_file,
        ip_items.source_sheet,
        ip_items.source_row,
        ip_items.file_sha256
    from ip_items
    inner join owners
        on ip_items.ip_number = owners.ip_number
    left join metric_lists
        on ip_items.institute_id = metric_lists.institute_id
        and ip_items.ip_number = metric_lists.item_key
    left join awards_for
        on ip_items.institute_id = awards_for.institute_id
        and ip_items.ip_number = awards_for.for_ref
)

select * from final
