-- The institute of every accepted row of the datasets institutes submit, as the ingest resolved it, with
-- the row's provenance. A view: it is read twice per refresh (the files' institutes, the warned rows'),
-- and a table of every record would cost more to write than to scan.
{{ config(materialized='view') }}

with

units as (
    select * from {{ ref('stg_raw__units') }}
),

staff as (
    select * from {{ ref('stg_raw__staff') }}
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

targets as (
    select * from {{ ref('stg_raw__targets') }}
),

final as (
    select 'units' as dataset, source_file, source_sheet, source_row, institute_id from units
    union all
    select 'staff' as dataset, source_file, source_sheet, source_row, institute_id from staff
    union all
    select 'project_counts' as dataset, source_file, source_sheet, source_row, institute_id from project_counts
    union all
    select 'ip_items' as dataset, source_file, source_sheet, source_row, institute_id from ip_items
    union all
    select 'standards' as dataset, source_file, source_sheet, source_row, institute_id from standards
    union all
    select
        'volunteer_hours' as dataset,
        cast(source_file as string) as source_file,
        cast(source_sheet as string) as source_sheet,
        source_row,
        cast(institute_id as string) as institute_id
    from volunteer_hours
    union all
    select 'awards' as dataset, source_file, source_sheet, source_row, institute_id from awards
    union all
    select 'papers' as dataset, source_file, source_sheet, source_row, institute_id from papers
    union all
    select 'talent_titles' as dataset, source_file, source_sheet, source_row, institute_id from talent_titles
    union all
    select 'targets' as dataset, source_file, source_sheet, source_row, institute_id from targets
)

select * from final
