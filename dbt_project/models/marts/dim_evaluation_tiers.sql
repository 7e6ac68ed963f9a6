-- The evaluation's tiers as published: per year and scope, each level best first with its bound (a
-- minimum score or a top share of the ranking) and the line of the rules file that sets it.
with

tiers as (
    select * from {{ ref('stg_raw__evaluation_tiers') }}
),

final as (
    select
        year,
        scope,
        tier,
        tier_order,
        tier_by,
        min_score,
        top_share,
        source_line
    from tiers
)

select * from final
