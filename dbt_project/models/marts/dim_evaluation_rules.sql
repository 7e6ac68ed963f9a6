-- The evaluation's rules as published: one row per item of each year's scope, as the year's highest
-- rules version writes it, with the version, file and hash it comes from, and its labels (a metric item
-- without its own is named as the metric is in the catalog) — what the evaluation page shows beside the
-- scores, what the what-if panel reweighs, and what fct_evaluation_items scores by.
with

rules as (
    select * from {{ ref('stg_raw__evaluation_rules') }}
),

scopes as (
    select * from {{ ref('stg_raw__evaluation_scopes') }}
),

metrics as (
    select * from {{ ref('metric_catalog') }}
),

final as (
    select
        rules.year,
        rules.scope,
        rules.item_id,
        rules.item_kind,
        rules.sort_order,
        coalesce(rules.label_zh, metrics.name_zh) as label_zh,
        coalesce(rules.label_en, metrics.name_en, rules.label_zh, metrics.name_zh) as label_en,
        rules.metric_id,
        rules.method,
        rules.basis,
        rules.weight,
        rules.target,
        rules.cap,
        rules.points,
        rules.award_levels,
        rules.award_grades,
        rules.award_roles,
        rules.award_for,
        rules.source_line,
        scopes.rules_version,
        scopes.rules_file,
        scopes.rules_sha256
    from rules
    inner join scopes
        on rules.year = scopes.year
        and rules.scope = scopes.scope
    left join metrics
        on rules.metric_id = metrics.metric_id
)

select * from final
