-- Totals per comparison scope (`all` = the whole group, or a peer group), year and metric, counting a
-- co-owned patent or co-drafted standard once, with the institutes' mean (the reference line of the
-- comparison charts) and the same changes over time as for an institute.
with

institute_metrics as (
    select * from {{ ref('fct_institute_metric_year') }}
),

group_values as (
    select * from {{ ref('int_metric_values_by_group') }}
),

scopes as (
    select * from {{ ref('int_institutes_scoped') }}
),

metrics as (
    select * from {{ ref('metric_catalog') }}
),

members as (
    select
        scopes.group_id,
        institute_metrics.year,
        institute_metrics.metric_id,
        count(institute_metrics.value) as institutes_reporting,
        -- over exact decimals: an average of doubles depends on the order threads add them in, and a
        -- refresh of the same files must repeat it to the last bit
        {{ decimal_mean('institute_metrics.value') }} as institute_mean,
        sum(case when institute_metrics.value is not null then institute_metrics.staff_total end) as staff_total
    from institute_metrics
    inner join scopes
        on institute_metrics.institute_id = scopes.institute_id
    group by scopes.group_id, institute_metrics.year, institute_metrics.metric_id
),

valued as (
    select
        members.group_id,
        members.year,
        members.metric_id,
        members.institutes_reporting,
        members.institute_mean,
        members.staff_total,
        case when members.institutes_reporting > 0 then coalesce(group_values.value, 0) end as value,
        coalesce(group_values.is_at_least, false) as is_at_least
    from members
    left join group_values
        on members.group_id = group_values.group_id
        and members.year = group_values.year
        and members.metric_id = group_values.metric_id
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
        on valued.group_id = one_back.group_id
        and valued.metric_id = one_back.metric_id
        and one_back.year = valued.year - 1
    left join valued as two_back
        on valued.group_id = two_back.group_id
        and valued.metric_id = two_back.metric_id
        and two_back.year = valued.year - 2
    left join valued as three_back
        on valued.group_id = three_back.group_id
        and valued.metric_id = three_back.metric_id
        and three_back.year = valued.year - 3
),

final as (
    select
        -- keys
        with_history.group_id,
        cast(with_history.year as integer) as year,
        with_history.metric_id,
        metrics.domain,

        -- the value
        cast(with_history.institutes_reporting as integer) as institutes_reporting,
        cast(with_history.value as double) as value,
        case when with_history.is_at_least and with_history.value is not null then '≥' end as qualifier,
        cast(with_history.institute_mean as double) as institute_mean,
        cast(with_history.staff_total as integer) as staff_total,
        {{ ratio('with_history.value * 100', 'with_history.staff_total') }} as per_100_staff,

        -- change over time
        cast(with_history.prior_value as double) as prior_value,
        cast(with_history.value - with_history.prior_value as double) as yoy_abs,
        {{ ratio('with_history.value - with_history.prior_value', 'with_history.prior_value') }} as yoy_pct,
        coalesce(
            with_history.value is not null and with_history.prior_value > 0
            and with_history.prior_value < metrics.min_base_for_yoy,
            false
        ) as yoy_small_base,
        cast(with_history.value + with_history.prior_value + with_history.value_2y_ago as double) as r3y,
        case
            when
                with_history.value + with_history.prior_value + with_history.value_2y_ago is not null
                and with_history.r3y_is_at_least
                then '≥'
        end as r3y_qualifier,
        -- the cube root's exponent a double: 1.0 / 3 is a decimal on some engines (Spark: 0.333333)
        case
            when with_history.value_3y_ago > 0 and with_history.value is not null
                then power(with_history.value / with_history.value_3y_ago, 1.0e0 / 3) - 1
        end as cagr_3y

    from with_history
    inner join metrics
        on with_history.metric_id = metrics.metric_id
)

select * from final
