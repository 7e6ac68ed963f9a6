-- The metrics each counted record (item) of an institute counts towards, as the comma-separated list the
-- record marts carry (metric_ids): the dashboard's drill-down finds the records behind a figure by it.
-- One model for every record mart, each taking its domain's rows.
with

contributions as (
    select * from {{ ref('int_metric_contributions') }}
),

metrics as (
    select * from {{ ref('metric_catalog') }}
),

final as (
    select
        contributions.institute_id,
        metrics.domain,
        contributions.item_key,
        {{ ordered_listagg('contributions.metric_id', "','", 'order by contributions.metric_id') }} as metric_ids
    from contributions
    inner join metrics
        on contributions.metric_id = metrics.metric_id
    group by contributions.institute_id, metrics.domain, contributions.item_key
)

select * from final
