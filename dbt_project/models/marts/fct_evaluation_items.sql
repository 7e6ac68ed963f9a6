-- The evaluation item by item: one row per year × scope × evaluated entity × item of its scope's rules,
-- with what the entity brought (value), what it was measured against (reference), the measure, the
-- normalised sub-score (metric items) and the points it earned, signed — and the same item's points the
-- year before. The score (fct_evaluation_scores) is the sum of these points.
--
-- Metric items (value null counts as 0; sub_score rounded to 4 decimals; points = weight × sub_score):
--   linear_target      measure = value / target; sub_score = least(measure, 1)
--   peer_median_ratio  reference = median of the group's values; measure = value / reference;
--                      sub_score = least(measure, cap) / cap; a median of 0 gives 1 to a value > 0, else 0
--   rank_points        measure = rank() of the value in the group, descending; reference = n;
--                      sub_score = (n - rank) / (n - 1), 1 when n = 1
-- Bonuses: award (count of awards) and metric (its value) × points, at most cap. Deductions: decline
-- (points when the value fell on the year before's, both reported) and metric (value × points, at most
-- cap), stored negative. Points are exact decimals, so the score adds up to the cent of a point.
with

entities as (
    select * from {{ ref('int_evaluation_entities') }}
),

rules as (
    select * from {{ ref('dim_evaluation_rules') }}
),

inputs as (
    select * from {{ ref('int_evaluation_inputs') }}
),

entity_items as (
    select
        entities.year,
        entities.scope,
        entities.group_id,
        entities.entity_id,
        entities.institute_id,
        entities.unit_id,
        rules.item_id,
        rules.item_kind,
        rules.sort_order,
        rules.label_zh,
        rules.label_en,
        rules.metric_id,
        rules.method,
        rules.basis,
        rules.weight,
        rules.target,
        rules.cap,
        rules.points as item_points,
        inputs.value,
        inputs.prior_value,
        coalesce(inputs.value, 0) as counted_value
    from entities
    inner join rules
        on entities.year = rules.year
        and entities.scope = rules.scope
    left join inputs
        on entities.year = inputs.year
        and entities.scope = inputs.scope
        and entities.entity_id = inputs.entity_id
        and rules.item_id = inputs.item_id
),

group_medians as (
    select
        year,
        scope,
        group_id,
        item_id,
        percentile_cont(0.5) within group (order by counted_value) as median_value
    from entity_items
    where method = 'peer_median_ratio'
    group by year, scope, group_id, item_id
),

ranked as (
    select
        entity_items.*,
        group_medians.median_value,
        rank() over (
            partition by entity_items.year, entity_items.scope, entity_items.group_id, entity_items.item_id
            order by entity_items.counted_value desc
        ) as value_rank,
        count(*) over (
            partition by entity_items.year, entity_items.scope, entity_items.group_id, entity_items.item_id
        ) as group_n
    from entity_items
    left join group_medians
        on entity_items.year = group_medians.year
        and entity_items.scope = group_medians.scope
        and entity_items.group_id = group_medians.group_id
        and entity_items.item_id = group_medians.item_id
),

measured as (
    select
        *,
        case
            when method = 'linear_target' then target
            when method = 'peer_median_ratio' then median_value
            when method = 'rank_points' then group_n
            when method = 'decline' then prior_value
        end as reference,
        case
            when method = 'linear_target' then counted_value / target
            when method = 'peer_median_ratio' and median_value > 0 then counted_value / median_value
            when method = 'rank_points' then value_rank
        end as measure,
        -- a bonus's or deduction's points before the cap: award / metric per count or unit of value,
        -- decline once if the value fell (exact decimals: the value as decimal(18, 4) times the points)
        case
            when method = 'decline' then case when value < prior_value then item_points else 0 end
            when item_kind <> 'metric' then cast(counted_value as decimal(18, 4)) * item_points
        end as uncapped_points
    from ranked
),

scored as (
    select
        *,
        case
            when item_kind = 'metric' then cast(round(
                case
                    when method = 'linear_target' then least(measure, 1.0)
                    when method = 'peer_median_ratio' and median_value > 0 then least(measure, cap) / cap
                    when method = 'peer_median_ratio' then case when counted_value > 0 then 1.0 else 0.0 end
                    when method = 'rank_points' and group_n = 1 then 1.0
                    when method = 'rank_points' then cast(group_n - value_rank as double) / (group_n - 1)
                end, 4
            ) as decimal(9, 4))
        end as sub_score
    from measured
),

pointed as (
    select
        *,
        cast(
            case
                when item_kind = 'metric' then weight * sub_score
                when cap is not null and uncapped_points > cast(cap as decimal(18, 8)) then cast(cap as decimal(18, 8))
                else uncapped_points
            end
            * case when item_kind = 'deduction' then -1 else 1 end
            as decimal(18, 8)
        ) as points
    from scored
),

final as (
    select
        -- keys
        pointed.year,
        pointed.scope,
        pointed.group_id,
        pointed.entity_id,
        pointed.institute_id,
        pointed.unit_id,
        pointed.item_id,

        -- the item
        pointed.item_kind,
        pointed.sort_order,
        pointed.label_zh,
        pointed.label_en,
        pointed.metric_id,
        pointed.method,
        pointed.basis,

        -- the entity's figures
        cast(pointed.value as double) as value,
        cast(pointed.reference as double) as reference,
        cast(pointed.measure as double) as measure,
        pointed.sub_score,
        case when pointed.item_kind = 'metric' then pointed.weight end as weight,
        pointed.points,

        -- the year before
        year_before.points as prior_points,
        cast(pointed.points - year_before.points as decimal(18, 8)) as points_change

    from pointed
    left join pointed as year_before
        on pointed.scope = year_before.scope
        and pointed.entity_id = year_before.entity_id
        and pointed.item_id = year_before.item_id
        and year_before.year = pointed.year - 1
)

select * from final
