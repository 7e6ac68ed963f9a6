-- Each unit's value of each metric in each year it has records for: the records of the unit and of every
-- unit below it (int_unit_closure: one row per unit a record counts for, so a record of a 室 inside a 中心
-- counts once for the 室 and once for the 中心, never twice for either). Volunteers, hours and times served
-- per unit come from int_volunteer_totals (scope 'unit'). Years without records are added (as 0 or as not
-- reported) by fct_unit_metric_year.
with

contributions as (
    select * from {{ ref('int_metric_contributions') }}
    where unit_id is not null
),

closure as (
    select * from {{ ref('int_unit_closure') }}
),

volunteer_totals as (
    select * from {{ ref('int_volunteer_totals') }}
),

counted as (
    select
        closure.ancestor_unit_id as unit_id,
        contributions.year,
        contributions.metric_id,
        sum(contributions.amount) as value,
        {{ dbt.bool_or('contributions.is_at_least') }} as is_at_least
    from contributions
    inner join closure
        on contributions.unit_id = closure.unit_id
    group by closure.ancestor_unit_id, contributions.year, contributions.metric_id
),

volunteering as (
    select
        unit_id,
        year,
        hours,
        volunteers,
        person_times
    from volunteer_totals
    where scope = 'unit'
),

volunteer_metrics as (
    select unit_id, year, 'vol_hours' as metric_id, cast(hours as double) as value, false as is_at_least
    from volunteering
    union all
    select unit_id, year, 'vol_volunteers' as metric_id, cast(volunteers as double) as value, false as is_at_least
    from volunteering
    union all
    select
        unit_id, year, 'vol_person_times' as metric_id, cast(person_times as double) as value, false as is_at_least
    from volunteering
),

final as (
    select unit_id, year, metric_id, cast(value as double) as value, is_at_least from counted
    union all
    select unit_id, year, metric_id, value, is_at_least from volunteer_metrics
)

select * from final
