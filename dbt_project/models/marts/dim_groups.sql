-- The comparison scopes: the whole group (`all`) and each peer group that has an institute.
with

scopes as (
    select * from {{ ref('int_institutes_scoped') }}
),

peer_groups as (
    select distinct peer_group_id, peer_group_zh, peer_group_en from {{ ref('peer_groups') }}
),

sizes as (
    select group_id, count(*) as institute_count
    from scopes
    group by group_id
),

final as (
    select
        sizes.group_id,
        case when sizes.group_id = 'all' then '全部机构' else coalesce(peer_groups.peer_group_zh, '其他') end
            as name_zh,
        case when sizes.group_id = 'all' then 'All institutes' else coalesce(peer_groups.peer_group_en, 'Other') end
            as name_en,
        cast(sizes.institute_count as integer) as institute_count,
        case when sizes.group_id = 'all' then 0 else 1 end as sort_order
    from sizes
    left join peer_groups
        on sizes.group_id = peer_groups.peer_group_id
)

select * from final
