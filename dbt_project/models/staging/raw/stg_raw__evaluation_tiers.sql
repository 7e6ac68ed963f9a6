-- The evaluation's tiers of each year's scope, best first (tier_order 1), by a minimum score or by a top
-- share of the ranking.
with

source as (
    select * from {{ source('raw', 'evaluation_tiers') }}
),

renamed as (
    select
        -- keys
        cast(year as integer) as year,
        scope,
        tier,
        cast(tier_order as integer) as tier_order,

        -- the level's condition
        tier_by,
        cast(min_score as decimal(9, 4)) as min_score,
        cast(top_share as decimal(9, 4)) as top_share,

        -- provenance
        cast(source_line as integer) as source_line

    from source
)

select * from renamed
