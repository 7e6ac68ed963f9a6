-- One row per unit × year × metric, for the years the unit is valid (valid_from–valid_to of the units
-- register) within its institute's active span: the value — the records of the unit and of every unit
-- below it, each once (int_metric_values_by_unit) — missing where the institute did not report the
-- metric's domain that year (as for the institute, never a silent 0), its change over time, its share of
-- the institute's value, and its rank among the institute's units of the same depth (a 中心 is ranked
-- among the 所 and 中心 directly under the institute, a 室 among the units one level further down).
-- staff_total is the unit's own staff row of the year (a staff row that names the unit), if any.
with

units as (
    select * from {{ ref('stg_raw__units') }}
),

closure as (
    select * from {{ ref('int_unit_closure') }}
    where distance = 0
),

coverage as (
    select * from {{ ref('int_metric_coverage') }}
),

unit_values as (
    select * from {{ ref('int_metric_values_by_unit') }}
),

institute_metrics as (
    select * from {{ ref('fct_institute_metric_year') }}
),

metrics as (
    select * from {{ ref('metric_catalog') }}
),

staff as (
    select * from {{ ref('stg_raw__staff') }}
    where unit_id is not null
),

unit_years as (
    select
        units.institute_id,
        units.unit_id,
        units.parent_unit_id,
        units.unit_type,
        closure.depth,
        coverage.year,
        coverage.metric_id,
        coverage.is_reported
    from units
    inner join closure
        on units.unit_id = closure.unit_id
    inner join coverage
        on units.institute_id = coverage.institute_id
        and coverage.year >= coalesce(units.valid_from, coverage.year)
        and coverage.year <= coalesce(units.valid_to, coverage.year)
),

valued as (
    select
        unit_years.*,
        case when unit_years.is_reported then coalesce(unit_values.value, 0) end as value,
        case when unit_years.is_reported then coalesce(unit_values.is_at_least, false) end as is_at_least
    from unit_years
    left join unit_values
        on unit_years.unit_id = unit_values.unit_id
        and unit_years.year = unit_values.year
        and unit_years.metric_id = unit_values.metric_id
),

with_history as (
    select
        valued.*,
        one_back.value as prior_value,
        two_back.value as value_2y_ago,
        (valued.is_at_least or one_back.is_at_least or two_back.is_at_least) as r3y_is_at_least
    from valued
    left join valued as one_back
        on valued.unit_id = one_back.unit_id
        and valued.metric_id = one_back.metric_id
        and one_back.year = valued.year - 1
    left join valued as two_back
        on valued.unit_id = two_back.unit_id
        and valued.metric_id = two_back.metric_id
        and two_back.year = valued.year - 2
),

with_institute as (
    select
        with_history.*,
        metrics.domain,
        metrics.min_base_for_yoy,
        institute_metrics.value as institute_value,
        staff.staff_total,
        -- rank key: larger is better whatever the metric's direction
        case when metrics.direction = 'lower_is_better' then -with_history.value else with_history.value end
            as rank_key
    from with_history
    inner join metrics
        on with_history.metric_id = metrics.metric_id
    left join institute_metrics
        on with_history.institute_id = institute_metrics.institute_id
        and with_history.year = institute_metrics.year
        and with_history.metric_id = institute_metrics.metric_id
    left join staff
        on with_history.unit_id = staff.unit_id
        and with_history.year = staff.year
),

ranked as (
    select
        *,
        case
            when value is not null then
                rank() over (partition by institute_id, depth, year, metric_id order by rank_key desc nulls last)
        end as level_rank,
        count(value) over (partition by institute_id, depth, year, metric_id) as level_n
    from with_institute
),

final as (
    select
        -- keys
        institute_id,
        unit_id,
        parent_unit_id,
        cast(depth as integer) as depth,
        unit_type,
        cast(year as integer) as year,
        metric_id,
        domain,

        -- the value
        is_reported,
        cast(value as double) as value,
        case when is_at_least then '≥' end as qualifier,

        -- change over time
        cast(prior_value as double) as prior_value,
        cast(value - prior_value as double) as yoy_abs,
        {{ ratio('value - prior_value', 'prior_value') }} as yoy_pct,
        coalesce(value is not null and prior_value > 0 and prior_value < min_base_for_yoy, false) as yoy_small_base,
        cast(value + prior_value + value_2y_ago as double) as r3y,
        case when value + prior_value + value_2y_ago is not null and r3y_is_at_least then '≥' end as r3y_qualifier,

        -- against the institute and its other units
        cast(institute_value as double) as institute_value,
        case when value is not null then {{ ratio('value', 'institute_value') }} end as institute_share,
        cast(level_rank as integer) as level_rank,
        cast(level_n as integer) as level_n,

        -- the unit's own head count
        cast(staff_total as integer) as staff_total,
        {{ ratio('value * 100', 'staff_total') }} as per_100_staff

    from ranked
)

select * from final
