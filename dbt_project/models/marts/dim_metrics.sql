with

metric_catalog as (
    select * from {{ ref('metric_catalog') }}
),

final as (
    select
        metric_id,
        name_zh,
        name_en,
        unit_zh,
        unit_en,
        domain,
        direction,
        cast(min_base_for_yoy as double) as min_base_for_yoy,
        description_zh,
        description_en,
        cast(sort_order as integer) as sort_order,
        is_headline,
        record_mart
    from metric_catalog
)

select * from final
