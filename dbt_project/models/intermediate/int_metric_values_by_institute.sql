-- Each institute's value of each metric in each year it has records for. Years without records are
-- added (as 0 or as not reported) by fct_institute_metric_year.
with

contributions as (
    select * from {{ ref('int_metric_contributions') }}
),

volunteer_totals as (
    select * from {{ ref('int_volunteer_totals') }}
),

volunteering as (
    select
        unit_id as institute_id,
        year,
        hours,
        volunteers,
        person_times
    from volunteer_totals
    where scope = 'institute'
),

counted as (
    select
        institute_id,
        year,
        metric_id,
        sum(amount) as value,
        {{ dbt.bool_or('is_at_least') }} as is_at_least
    from contributions
    group by institute_id, year, metric_id
),

volunteer_metrics as (
    select
        institute_id, year, 'vol_hours' as metric_id, cast(hours as double) as value, false as is_at_least
    from volunteering
    union all
    select
        institute_id, year, 'vol_volunteers' as metric_id, cast(volunteers as double) as value, false as is_at_least
    from volunteering
    union all
    select
        institute_id, year, 'vol_person_times' as metric_id, cast(person_times as double) as value, false as is_at_least
    from volunteering
),

final as (
    select institute_id, year, metric_id, cast(value as double) as value, is_at_least from counted
    union all
    select institute_id, year, metric_id, value, is_at_least from volunteer_metrics
)

select * from final
