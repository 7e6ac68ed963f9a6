-- Totals per comparison scope (`all` and each peer group), year and metric. A patent or standard
-- listed by several institutes of a scope counts once; a volunteer who served with two institutes is
-- one volunteer (int_volunteer_totals). Hours and project counts add up.
with

contributions as (
    select * from {{ ref('int_metric_contributions') }}
),

volunteer_totals as (
    select * from {{ ref('int_volunteer_totals') }}
),

scopes as (
    select * from {{ ref('int_institutes_scoped') }}
),

items_per_scope as (
    select
        scopes.group_id,
        contributions.year,
        contributions.metric_id,
        contributions.item_key,
        max(contributions.amount) as amount,
        {{ dbt.bool_or('contributions.is_at_least') }} as is_at_least
    from contributions
    inner join scopes
        on contributions.institute_id = scopes.institute_id
    group by scopes.group_id, contributions.year, contributions.metric_id, contributions.item_key
),

counted as (
    select
        group_id,
        year,
        metric_id,
        sum(amount) as value,
        {{ dbt.bool_or('is_at_least') }} as is_at_least
    from items_per_scope
    group by group_id, year, metric_id
),

volunteering as (
    select
        unit_id as group_id,
        year,
        hours,
        volunteers,
        person_times
    from volunteer_totals
    where scope = 'group'
),

volunteer_metrics as (
    select
        group_id, year, 'vol_hours' as metric_id, cast(hours as double) as value, false as is_at_least
    from volunteering
    union all
    select
        group_id, year, 'vol_volunteers' as metric_id, cast(volunteers as double) as value, false as is_at_least
    from volunteering
    union all
    select
        group_id, year, 'vol_person_times' as metric_id, cast(person_times as double) as value, false as is_at_least
    from volunteering
),

final as (
    select group_id, year, metric_id, cast(value as double) as value, is_at_least from counted
    union all
    select group_id, year, metric_id, value, is_at_least from volunteer_metrics
)

select * from final
