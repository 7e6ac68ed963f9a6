-- One row per record and metric it counts towards, for the domains whose records are few (projects, IP,
-- standards, awards, papers, talent titles), with the record's unit (null: the institute only).
-- `item_key` identifies the thing counted: a patent or standard listed by several institutes has one key,
-- so group totals can count it once; a project-count row, an award, a paper or a talent title is its own
-- item (record_key: an award or paper two institutes both report is each one's, and counts for each).
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

awards as (
    select * from {{ ref('stg_raw__awards') }}
),

papers as (
    select * from {{ ref('stg_raw__papers') }}
),

talent_titles as (
    select * from {{ ref('stg_raw__talent_titles') }}
),

projects as (
    select
        project_counts.institute_id,
        project_counts.unit_id,
        project_counts.year,
        project_counts.stage,
        coalesce(project_levels.is_prov_plus, false) as is_prov_plus,
        {{ record_key('project_counts') }} as item_key,
        cast(project_counts.project_count as double) as amount,
        coalesce(project_counts.qualifier = '≥', false) as is_at_least
    from project_counts
    left join project_levels
        on project_counts.level = project_levels.level
),

project_metrics as (
    select institute_id, unit_id, year, 'prj_initiated' as metric_id, item_key, amount, is_at_least
    from projects
    where stage = 'initiated'
    union all
    select institute_id, unit_id, year, 'prj_initiated_prov_plus' as metric_id, item_key, amount, is_at_least
    from projects
    where stage = 'initiated' and is_prov_plus
    union all
    select institute_id, unit_id, year, 'prj_ongoing' as metric_id, item_key, amount, is_at_least
    from projects
    where stage = 'ongoing'
    union all
    select institute_id, unit_id, year, 'prj_accepted' as metric_id, item_key, amount, is_at_least
    from projects
    where stage = 'accepted'
),

granted_ip as (
    select
        institute_id,
        unit_id,
        grant_year as year,
        ip_type,
        ip_number as item_key
    from ip_items
    where grant_date is not null
),

ip_metrics as (
    select
        institute_id,
        unit_id,
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
    select institute_id, unit_id, year, 'ip_total' as metric_id, item_key, 1.0 as amount, false as is_at_least
    from granted_ip
),

published_standards as (
    select
        standards.institute_id,
        standards.unit_id,
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
    select institute_id, unit_id, year, 'std_published' as metric_id, item_key, 1.0 as amount, false as is_at_least
    from published_standards
    union all
    select institute_id, unit_id, year, 'std_led' as metric_id, item_key, 1.0 as amount, false as is_at_least
    from published_standards
    where role = 'lead'
    union all
    select
        institute_id, unit_id, year, level_metric_id as metric_id, item_key, 1.0 as amount, false as is_at_least
    from published_standards
    where level_metric_id is not null
),

-- an award counts in the year it was given, by level, by grade (special and first together) and when the
-- institute (or its unit) led the work
award_facts as (
    select
        awards.institute_id,
        awards.unit_id,
        awards.year,
        case awards.level
            when 'national' then 'awd_national'
            when 'provincial_ministerial' then 'awd_prov_ministerial'
            when 'bureau' then 'awd_bureau'
            when 'society' then 'awd_society'
        end as level_metric_id,
        case awards.grade
            when 'special' then 'awd_first_plus'
            when 'first' then 'awd_first_plus'
            when 'second' then 'awd_second'
            when 'third' then 'awd_third'
        end as grade_metric_id,
        awards.role,
        {{ record_key('awards') }} as item_key
    from awards
),

award_metrics as (
    select institute_id, unit_id, year, 'awd_total' as metric_id, item_key, 1.0 as amount, false as is_at_least
    from award_facts
    union all
    select
        institute_id, unit_id, year, level_metric_id as metric_id, item_key, 1.0 as amount, false as is_at_least
    from award_facts
    where level_metric_id is not null
    union all
    select
        institute_id, unit_id, year, grade_metric_id as metric_id, item_key, 1.0 as amount, false as is_at_least
    from award_facts
    where grade_metric_id is not null
    union all
    select institute_id, unit_id, year, 'awd_led' as metric_id, item_key, 1.0 as amount, false as is_at_least
    from award_facts
    where role = 'lead'
),

-- a paper counts in its year of publication for its first author's unit; SCI and EI together
paper_facts as (
    select
        papers.institute_id,
        papers.unit_id,
        papers.year,
        case papers.indexed
            when 'sci' then 'pap_sci_ei'
            when 'ei' then 'pap_sci_ei'
            when 'core' then 'pap_core'
        end as index_metric_id,
        {{ record_key('papers') }} as item_key
    from papers
),

paper_metrics as (
    select institute_id, unit_id, year, 'pap_total' as metric_id, item_key, 1.0 as amount, false as is_at_least
    from paper_facts
    union all
    select
        institute_id, unit_id, year, index_metric_id as metric_id, item_key, 1.0 as amount, false as is_at_least
    from paper_facts
    where index_metric_id is not null
),

-- a talent title counts in the year it was conferred, by level
talent_facts as (
    select
        talent_titles.institute_id,
        talent_titles.unit_id,
        talent_titles.year,
        case talent_titles.level
            when 'national' then 'tal_national'
            when 'provincial_ministerial' then 'tal_prov_ministerial'
            when 'bureau' then 'tal_bureau'
            when 'internal' then 'tal_internal'
        end as level_metric_id,
        {{ record_key('talent_titles') }} as item_key
    from talent_titles
),

talent_metrics as (
    select institute_id, unit_id, year, 'tal_total' as metric_id, item_key, 1.0 as amount, false as is_at_least
    from talent_facts
    union all
    select
        institute_id, unit_id, year, level_metric_id as metric_id, item_key, 1.0 as amount, false as is_at_least
    from talent_facts
    where level_metric_id is not null
),

final as (
    select * from project_metrics
    union all
    select * from ip_metrics
    union all
    select * from standard_metrics
    union all
    select * from award_metrics
    union all
    select * from paper_metrics
    union all
    select * from talent_metrics
)

select * from final
