-- One row per institute × calendar year of its active span × metric: the value (missing where the
-- institute did not report, never a silent 0), year-over-year change against the calendar year before,
-- the three-year rolling sum and growth, intensity per 100 staff, share and rank within the whole group
-- and within the peer group, the peer benchmarks (value / peer median, mid-rank percentile in the peer
-- group), and attainment of the year's target.
with

institute_years as (
    select * from {{ ref('int_institute_years') }}
),

coverage as (
    select * from {{ ref('int_metric_coverage') }}
),

metric_values as (
    select * from {{ ref('int_metric_values_by_institute') }}
),

group_values as (
    select * from {{ ref('int_metric_values_by_group') }}
),

metrics as (
    select * from {{ ref('metric_catalog') }}
),

targets as (
    select * from {{ ref('stg_raw__targets') }}
),

valued as (
    select
        coverage.institute_id,
        coverage.year,
        coverage.metric_id,
        institute_years.peer_group_id,
        institute_years.staff_total,
        coverage.is_reported,
        case when coverage.is_reported then coalesce(metric_values.value, 0) end as value,
        case when coverage.is_reported then coalesce(metric_values.is_at_least, false) end as is_at_least
    from coverage
    inner join institute_years
        on coverage.institute_id = institute_years.institute_id
        and coverage.year = institute_years.year
    left join metric_values
        on coverage.institute_id = metric_values.institute_id
        and coverage.year = metric_values.year
        and coverage.metric_id = metric_values.metric_id
),

with_history as (
    select
        valued.*,
        one_back.value as prior_value,
        two_back.value as value_2y_ago,
        three_back.value as value_3y_ago,
        (valued.is_at_least or one_back.is_at_least or two_back.is_at_least) as r3y_is_at_least
    from valued
    left join valued as one_back
        on valued.institute_id = one_back.institute_id
        and valued.metric_id = one_back.metric_id
        and one_back.year = valued.year - 1
    left join valued as two_back
        on valued.institute_id = two_back.institute_id
        and valued.metric_id = two_back.metric_id
        and two_back.year = valued.year - 2
    left join valued as three_back
        on valued.institute_id = three_back.institute_id
        and valued.metric_id = three_back.metric_id
        and three_back.year = valued.year - 3
),

with_scopes as (
    select
        with_history.*,
        metrics.domain,
        metrics.direction,
        metrics.min_base_for_yoy,
        group_all.value as group_total,
        peer.value as peer_total,
        -- rank key: larger is better whatever the metric's direction
        case when metrics.direction = 'lower_is_better' then -with_history.value else with_history.value end
            as rank_key
    from with_history
    inner join metrics
        on with_history.metric_id = metrics.metric_id
    left join group_values as group_all
        on group_all.group_id = 'all'
        and with_history.year = group_all.year
        and with_history.metric_id = group_all.metric_id
    left join group_values as peer
        on with_history.peer_group_id = peer.group_id
        and with_history.year = peer.year
        and with_history.metric_id = peer.metric_id
),

-- the median of each peer group's reported values (the unreported are no part of it: a gap is not a 0).
-- percentile_cont ... within group is the SQL standard's median, the same on DuckDB, Spark and Postgres;
-- a grouped aggregate joined back rather than a window, which not every engine allows for it.
peer_medians as (
    select
        peer_group_id,
        year,
        metric_id,
        percentile_cont(0.5) within group (order by value) as peer_median
    from with_scopes
    where value is not null
    group by peer_group_id, year, metric_id
),

ranked as (
    select
        *,
        case
            when value is not null then
                rank() over (partition by year, metric_id order by rank_key desc nulls last)
        end as group_rank,
        count(value) over (partition by year, metric_id) as group_n,
        case
            when value is not null then
                rank() over (partition by peer_group_id, year, metric_id order by rank_key desc nulls last)
        end as peer_rank,
        count(value) over (partition by peer_group_id, year, metric_id) as peer_n,
        -- the peers level with it (itself included) by the metric's direction: the "equal" of the mid-rank
        count(value) over (partition by peer_group_id, year, metric_id, rank_key) as peer_equal
    from with_scopes
),

final as (
    select
        -- keys
        ranked.institute_id,
        cast(ranked.year as integer) as year,
        ranked.metric_id,
        ranked.domain,
        ranked.peer_group_id,

        -- the value
        ranked.is_reported,
        cast(ranked.value as double) as value,
        case when ranked.is_at_least then '≥' end as qualifier,
        cast(ranked.staff_total as integer) as staff_total,
        {{ ratio('ranked.value * 100', 'ranked.staff_total') }} as per_100_staff,

        -- change over time
        cast(ranked.prior_value as double) as prior_value,
        cast(ranked.value - ranked.prior_value as double) as yoy_abs,
        {{ ratio('ranked.value - ranked.prior_value', 'ranked.prior_value') }} as yoy_pct,
        coalesce(
            ranked.value is not null and ranked.prior_value > 0 and ranked.prior_value < ranked.min_base_for_yoy,
            false
        ) as yoy_small_base,
        cast(ranked.value + ranked.prior_value + ranked.value_2y_ago as double) as r3y,
        case
            when ranked.value + ranked.prior_value + ranked.value_2y_ago is not null and ranked.r3y_is_at_least
                then '≥'
        end as r3y_qualifier,
        -- the cube root's exponent a double: 1.0 / 3 is a decimal on some engines (Spark: 0.333333)
        case
            when ranked.value_3y_ago > 0 and ranked.value is not null
                then power(ranked.value / ranked.value_3y_ago, 1.0e0 / 3) - 1
        end as cagr_3y,

        -- against the others
        cast(ranked.group_total as double) as group_total,
        case when ranked.value is not null then {{ ratio('ranked.value', 'ranked.group_total') }} end
            as group_share,
        cast(ranked.group_rank as integer) as group_rank,
        cast(ranked.group_n as integer) as group_n,
        cast(ranked.peer_total as double) as peer_total,
        case when ranked.value is not null then {{ ratio('ranked.value', 'ranked.peer_total') }} end
            as peer_share,
        cast(ranked.peer_rank as integer) as peer_rank,
        cast(ranked.peer_n as integer) as peer_n,
        cast(peer_medians.peer_median as double) as peer_median,
        case when ranked.value is not null then {{ ratio('ranked.value', 'peer_medians.peer_median') }} end
            as peer_ratio,
        -- mid-rank percentile 100 × (below + 0.5 × equal) / n, where the peers doing worse ("below") are
        -- the n − (rank − 1) − equal that are neither better (rank − 1 of them) nor level with it; the
        -- numerator is exact (a decimal), the division a double's (a decimal's is rounded to 6 places on Spark)
        case
            when ranked.value is not null then
                cast(100.0 * (ranked.peer_n - (ranked.peer_rank - 1) - 0.5 * ranked.peer_equal) as double)
                / ranked.peer_n
        end as peer_percentile,

        -- against the plan
        targets.target,
        case
            when ranked.direction = 'lower_is_better' then {{ ratio('targets.target', 'ranked.value') }}
            else {{ ratio('ranked.value', 'targets.target') }}
        end as target_attainment

    from ranked
    left join peer_medians
        on ranked.peer_group_id = peer_medians.peer_group_id
        and ranked.year = peer_medians.year
        and ranked.metric_id = peer_medians.metric_id
    left join targets
        on ranked.institute_id = targets.institute_id
        and ranked.year = targets.year
        and ranked.metric_id = targets.metric_id
)

select * from final
