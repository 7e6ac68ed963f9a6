-- The evaluation's items, one row per metric, bonus or deduction of a year's scope, as the rules file
-- writes them (the loader has checked them: pipelines/evaluation/rules.py).
with

source as (
    select * from {{ source('raw', 'evaluation_rules') }}
),

renamed as (
    select
        -- keys
        cast(year as integer) as year,
        scope,
        item_id,
        item_kind,
        cast(sort_order as integer) as sort_order,

        -- labels
        label_zh,
        label_en,

        -- how it scores
        metric_id,
        method,
        basis,
        cast(weight as decimal(9, 4)) as weight,
        cast(target as double) as target,
        cast(cap as double) as cap,
        cast(points as decimal(9, 4)) as points,

        -- which awards count (comma lists of the awards contract's codes; null: any)
        award_levels,
        award_grades,
        award_roles,
        award_for,

        -- provenance
        cast(source_line as integer) as source_line

    from source
)

select * from renamed
