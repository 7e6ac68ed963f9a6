-- What each evaluated entity brings to each item of its scope's rules, before any scoring: for an item
-- on a metric, the metric's value on the item's basis (value, per_100_staff or r3y) from
-- fct_institute_metric_year or fct_unit_metric_year, null where not reported (the scoring counts it as 0),
-- and for a decline the value of the year before; for an award bonus, the count of the entity's awards
-- of the year that pass the item's filters — a unit's own and its sub-units' awards (int_unit_closure),
-- an institute's all of its awards.
with

entities as (
    select * from {{ ref('int_evaluation_entities') }}
),

rules as (
    select * from {{ ref('stg_raw__evaluation_rules') }}
),

institute_metrics as (
    select * from {{ ref('fct_institute_metric_year') }}
),

unit_metrics as (
    select * from {{ ref('fct_unit_metric_year') }}
),

awards as (
    select * from {{ ref('fct_awards') }}
),

closure as (
    select * from {{ ref('int_unit_closure') }}
),

entity_items as (
    select
        entities.year,
        entities.scope,
        entities.entity_id,
        rules.item_id,
        rules.method,
        rules.metric_id,
        coalesce(rules.basis, 'value') as basis,
        rules.award_levels,
        rules.award_grades,
        rules.award_roles,
        rules.award_for
    from entities
    inner join rules
        on entities.year = rules.year
        and entities.scope = rules.scope
),

metric_values as (
    select
        'institute' as scope,
        institute_id as entity_id,
        year,
        metric_id,
        value,
        prior_value,
        per_100_staff,
        r3y
    from institute_metrics
    union all
    select
        'unit' as scope,
        unit_id as entity_id,
        year,
        metric_id,
        value,
        prior_value,
        per_100_staff,
        r3y
    from unit_metrics
),

entity_awards as (
    select
        'institute' as scope,
        institute_id as entity_id,
        year,
        level,
        grade,
        role,
        for_kind,
        is_linked
    from awards
    union all
    select
        'unit' as scope,
        closure.ancestor_unit_id as entity_id,
        awards.year,
        awards.level,
        awards.grade,
        awards.role,
        awards.for_kind,
        awards.is_linked
    from awards
    inner join closure
        on awards.unit_id = closure.unit_id
),

award_counts as (
    select
        entity_items.year,
        entity_items.scope,
        entity_items.entity_id,
        entity_items.item_id,
        count(*) as award_count
    from entity_items
    inner join entity_awards
        on entity_items.scope = entity_awards.scope
        and entity_items.entity_id = entity_awards.entity_id
        and entity_items.year = entity_awards.year
    where
        entity_items.method = 'award'
        and (
            entity_items.award_levels is null
            or {{ in_code_list('entity_awards.level', 'entity_items.award_levels') }}
        )
        and (
            entity_items.award_grades is null
            or {{ in_code_list('entity_awards.grade', 'entity_items.award_grades') }}
        )
        and (
            entity_items.award_roles is null
            or {{ in_code_list('entity_awards.role', 'entity_items.award_roles') }}
        )
        and (
            entity_items.award_for is null
            or (entity_awards.for_kind = entity_items.award_for and entity_awards.is_linked)
        )
    group by entity_items.year, entity_items.scope, entity_items.entity_id, entity_items.item_id
),

final as (
    select
        entity_items.year,
        entity_items.scope,
        entity_items.entity_id,
        entity_items.item_id,
        cast(
            case
                when entity_items.method = 'award' then coalesce(award_counts.award_count, 0)
                when entity_items.basis = 'per_100_staff' then metric_values.per_100_staff
                when entity_items.basis = 'r3y' then metric_values.r3y
                else metric_values.value
            end as double
        ) as value,
        cast(case when entity_items.method = 'decline' then metric_values.prior_value end as double) as prior_value
    from entity_items
    left join metric_values
        on entity_items.scope = metric_values.scope
        and entity_items.entity_id = metric_values.entity_id
        and entity_items.year = metric_values.year
        and entity_items.metric_id = metric_values.metric_id
    left join award_counts
        on entity_items.year = award_counts.year
        and entity_items.scope = award_counts.scope
        and entity_items.entity_id = award_counts.entity_id
        and entity_items.item_id = award_counts.item_id
)

select * from final
