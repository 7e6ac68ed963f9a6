-- Patents and software copyrights, one row per institute and number, with the year and metrics each
-- counts towards, whether another institute lists it too, and the file and row it came from.
with

ip_items as (
    select * from {{ ref('stg_raw__ip_items') }}
),

contributions as (
    select * from {{ ref('int_metric_contributions') }}
    where metric_id like 'ip\_%' escape '\'
),

metric_lists as (
    select
        institute_id,
        item_key,
        {{ dbt.listagg('metric_id', "','", 'order by metric_id') }} as metric_ids
    from contributions
    group by institute_id, item_key
),

owners as (
    select ip_number, count(distinct institute_id) as owner_count
    from ip_items
    group by ip_number
),

final as (
    select
        ip_items.institute_id,
        ip_items.ip_number,
        ip_items.ip_type,
        ip_items.title,
        ip_items.status,
        ip_items.app_date,
        ip_items.grant_date,
        ip_items.grant_year as year,
        metric_lists.metric_ids,
        owners.owner_count > 1 as is_co_owned,
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
)

select * from final
