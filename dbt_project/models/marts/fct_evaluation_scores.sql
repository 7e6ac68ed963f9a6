-- The evaluation's result: one row per year × scope × evaluated entity — its metric, bonus and deduction
-- points, the score (their sum, exact), its rank n/N in its group (rank(): ties share the better rank),
-- its tier, and the same entity's score, rank and tier the year before. Tiers are listed best first; an
-- entity gets the first level it meets: by score, score >= min; by rank share, rank <= top × n (rank / n
-- <= top, compared exactly); a level without a bound is met by everyone.
with

entities as (
    select * from {{ ref('int_evaluation_entities') }}
),

items as (
    select * from {{ ref('fct_evaluation_items') }}
),

tiers as (
    select * from {{ ref('stg_raw__evaluation_tiers') }}
),

scopes as (
    select * from {{ ref('stg_raw__evaluation_scopes') }}
),

totals as (
    select
        year,
        scope,
        entity_id,
        sum(case when item_kind = 'metric' then points else 0 end) as metric_points,
        sum(case when item_kind = 'bonus' then points else 0 end) as bonus_points,
        sum(case when item_kind = 'deduction' then points else 0 end) as deduction_points,
        sum(points) as score
    from items
    group by year, scope, entity_id
),

scored as (
    select
        entities.year,
        entities.scope,
        entities.group_id,
        entities.entity_id,
        entities.institute_id,
        entities.unit_id,
        cast(coalesce(totals.metric_points, 0) as decimal(18, 8)) as metric_points,
        cast(coalesce(totals.bonus_points, 0) as decimal(18, 8)) as bonus_points,
        cast(coalesce(totals.deduction_points, 0) as decimal(18, 8)) as deduction_points,
        cast(coalesce(totals.score, 0) as decimal(18, 8)) as score
    from entities
    left join totals
        on entities.year = totals.year
        and entities.scope = totals.scope
        and entities.entity_id = totals.entity_id
),

ranked as (
    select
        *,
        rank() over (partition by year, scope, group_id order by score desc) as score_rank,
        count(*) over (partition by year, scope, group_id) as group_n
    from scored
),

levels_met as (
    select
        ranked.year,
        ranked.scope,
        ranked.entity_id,
        min(tiers.tier_order) as tier_order
    from ranked
    inner join tiers
        on ranked.year = tiers.year
        and ranked.scope = tiers.scope
    where
        (tiers.tier_by = 'score' and (tiers.min_score is null or ranked.score >= tiers.min_score))
        or (
            tiers.tier_by = 'rank_share'
            and (tiers.top_share is null or ranked.score_rank <= tiers.top_share * ranked.group_n)
        )
    group by ranked.year, ranked.scope, ranked.entity_id
),

tiered as (
    select
        ranked.*,
        tiers.tier,
        tiers.tier_order
    from ranked
    left join levels_met
        on ranked.year = levels_met.year
        and ranked.scope = levels_met.scope
        and ranked.entity_id = levels_met.entity_id
    left join tiers
        on levels_met.year = tiers.year
        and levels_met.scope = tiers.scope
        and levels_met.tier_order = tiers.tier_order
),

final as (
    select
        -- keys
        tiered.year,
        tiered.scope,
        tiered.group_id,
        tiered.entity_id,
        tiered.institute_id,
        tiered.unit_id,

        -- the score
        tiered.metric_points,
        tiered.bonus_points,
        tiered.deduction_points,
        tiered.score,
        cast(tiered.score_rank as integer) as rank,
        cast(tiered.group_n as integer) as n,
        tiered.tier,
        cast(tiered.tier_order as integer) as tier_order,

        -- the year before
        year_before.score as prior_score,
        cast(year_before.score_rank as integer) as prior_rank,
        cast(year_before.group_n as integer) as prior_n,
        year_before.tier as prior_tier,
        cast(tiered.score - year_before.score as decimal(18, 8)) as score_change,

        -- the rules
        scopes.rules_version,
        scopes.rules_file

    from tiered
    left join tiered as year_before
        on tiered.scope = year_before.scope
        and tiered.entity_id = year_before.entity_id
        and year_before.year = tiered.year - 1
    left join scopes
        on tiered.year = scopes.year
        and tiered.scope = scopes.scope
)

select * from final
