-- Whether an institute reported a metric's domain for a year. Project counts are submitted as yearly
-- figures: a year without any project row is not reported (a gap, shown as missing, never as 0). The
-- other domains are lists of records (patents, standards, volunteer service, awards, papers, talent
-- titles): an institute that sent a list has 0 in the years where the list has no record; one that sent
-- no list has not reported. A unit's figures are reported where its institute's are (fct_unit_metric_year).
with

institute_years as (
    select * from {{ ref('int_institute_years') }}
),

metrics as (
    select * from {{ ref('metric_catalog') }}
),

project_counts as (
    select * from {{ ref('stg_raw__project_counts') }}
),

ip_items as (
    select * from {{ ref('stg_raw__ip_items') }}
),

standards as (
    select * from {{ ref('stg_raw__standards') }}
),

volunteer_hours as (
    select * from {{ ref('stg_raw__volunteer_hours') }}
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

reported_project_years as (
    select distinct institute_id, year, 'projects' as domain from project_counts
),

list_domains as (
    select distinct institute_id, 'ip' as domain from ip_items
    union all
    select distinct institute_id, 'standards' as domain from standards
    union all
    select distinct institute_id, 'volunteer' as domain from volunteer_hours
    union all
    select distinct institute_id, 'awards' as domain from awards
    union all
    select distinct institute_id, 'papers' as domain from papers
    union all
    select distinct institute_id, 'talent' as domain from talent_titles
),

final as (
    select
        institute_years.institute_id,
        institute_years.year,
        metrics.metric_id,
        (reported_project_years.institute_id is not null or list_domains.institute_id is not null) as is_reported
    from institute_years
    cross join metrics
    left join reported_project_years
        on metrics.domain = reported_project_years.domain
        and institute_years.institute_id = reported_project_years.institute_id
        and institute_years.year = reported_project_years.year
    left join list_domains
        on metrics.domain = list_domains.domain
        and institute_years.institute_id = list_domains.institute_id
)

select * from final
