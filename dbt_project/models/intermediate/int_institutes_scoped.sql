-- Each institute in each comparison scope it belongs to: the whole group (`all`) and the peer group of
-- its type. Ranks, shares and group totals are computed per scope.
with

institutes as (
    select * from {{ ref('stg_raw__institutes') }}
),

peer_groups as (
    select * from {{ ref('peer_groups') }}
),

classified as (
    select
        institutes.institute_id,
        coalesce(peer_groups.peer_group_id, 'other') as peer_group_id
    from institutes
    left join peer_groups
        on institutes.institute_type = peer_groups.institute_type
),

final as (
    select institute_id, 'all' as group_id from classified
    union all
    select institute_id, peer_group_id as group_id from classified
)

select * from final
