-- One row per record and metric it counts towards, for the domains whose records are few (projects,
-- IP, standards). `item_key` identifies the thing counted: a patent or standard listed by several
-- institutes has one key, so group totals can count it once; a project-count row is its own item.
with

project_counts as (
    select * from {{ ref('stg_raw__project_counts') }}
),

project_levels as (
    select * from {{ ref('project_levels') }}
),

ip_items as (
    select * from {{ ref('stg_raw__ip_items') }}
),

standards as (
    select * from {{ ref('stg_raw__standards') }}
),

std_levels as (
    select * from {{ ref('std_levels') }}
),

projects as (
    select
        project_counts.institute_id,
        project_counts.year,
        project_counts.stage,
        coalesce(project_levels.is_prov_plus, false) as is_prov_plus,
        {{ project_row_key('project_counts') }} as item_key,
        cast(project_counts.project_count as double) as amount,
        coalesce(project_counts.qualifier = '≥', false) as is_at_least
    from project_counts
    left join project_levels
        on project_counts.level = project_levels.level
),

project_metrics as (
    select institute_id, year, 'prj_initiated' as metric_id, item_key, amount, is_at_least
    from projects
    where stage = 'initiated'
    union all
    select institute_id, year, 'prj_initiated_prov_plus' as metric_id, item_key, amount, is_at_least
    from projects
    where stage = 'initiated' and is_prov_plus
    union all
    select institute_id, year, 'prj_ongoing' as metric_id, item_key, amount, is_at_least
    from projects
    where stage = 'ongoing'
    union all
    select institute_id, year, 'prj_accepted' as metric_id, item_key, amount, is_at_least
    from projects
    where stage = 'accepted'
),

granted_ip as (
    select
        institute_id,
        grant_year as year,
        ip_type,
        ip_number as item_key
    from ip_items
    where grant_date is not null
),

ip_metrics as (
    select
        institute_id,
        year,
        case ip_type
            when 'invention' then 'ip_invention_granted'
            when 'utility' then 'ip_utility_granted'
            when 'software' then 'ip_software'
        end as metric_id,
        item_key,
        1.0 as amount,
        false as is_at_least
    from granted_ip
    where ip_type in ('invention', 'utility', 'software')
    union all
    select institute_id, year, 'ip_total' as metric_id, item_key, 1.0 as amount, false as is_at_least
    from granted_ip
),

published_standards as (
    select
        standards.institute_id,
        standards.publish_year as year,
        standards.role,
        std_levels.metric_id as level_metric_id,
        standards.std_no as item_key
    from standards
    left join std_levels
        on standards.std_level = std_levels.std_level
    where standards.publish_date is not null
),

standard_metrics as (
    select institute_id, year, 'std_published' as metric_id, item_key, 1.0 as amount, false as is_at_least
    from published_standards
    union all
    select institute_id, year, 'std_led' as metric_id, item_key, 1.0 as amount, false as is_at_least
    from published_standards
    where role = 'lead'
    union all
    select institute_id, year, level_metric_id as metric_id, item_key, 1.0 as amount, false as is_at_least
    from published_standards
    where level_metric_id is not null
),

final as (
    select * from project_metrics
    union all
    select * from ip_metrics
    union all
    select * from standard_metrics
)

select * from final
