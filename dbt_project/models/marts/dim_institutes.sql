with

institutes as (
    select * from {{ ref('stg_raw__institutes') }}
),

peer_groups as (
    select * from {{ ref('peer_groups') }}
),

provinces as (
    select * from {{ ref('provinces') }}
),

institute_years as (
    select * from {{ ref('int_institute_years') }}
),

spans as (
    select
        institute_id,
        min(year) as first_year,
        max(year) as last_year
    from institute_years
    group by institute_id
),

final as (
    select
        -- ids
        institutes.institute_id,

        -- names
        institutes.name_zh,
        institutes.name_en,
        institutes.aliases,

        -- classification
        institutes.province_code,
        provinces.name_zh as province_zh,
        provinces.name_en as province_en,
        institutes.institute_type,
        coalesce(peer_groups.institute_type_zh, '其他') as institute_type_zh,
        coalesce(peer_groups.institute_type_en, 'Other') as institute_type_en,
        coalesce(peer_groups.peer_group_id, 'other') as peer_group_id,

        -- years
        institutes.founded_year,
        cast(spans.first_year as integer) as first_year,
        cast(spans.last_year as integer) as last_year

    from institutes
    left join peer_groups
        on institutes.institute_type = peer_groups.institute_type
    left join provinces
        on institutes.province_code = provinces.province_code
    left join spans
        on institutes.institute_id = spans.institute_id
)

select * from final
