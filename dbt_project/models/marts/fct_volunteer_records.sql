-- Volunteer service records (one per volunteer per activity), each counting towards every volunteer
-- metric of its year, with the file and row it came from. Written straight to Parquet while the rest of
-- the build runs (macros/materializations/parquet_file.sql): at 1e7 records, copying them into the
-- warehouse first and exporting them at publish cost a second write and ~13 s after the build.
{{ config(materialized='parquet_file') }}

with

volunteer_hours as (
    select * from {{ ref('stg_raw__volunteer_hours') }}
),

volunteer_metrics as (
    select {{ ordered_listagg('metric_id', "','", 'order by metric_id') }} as metric_ids
    from {{ ref('metric_catalog') }}
    where domain = 'volunteer'
),

final as (
    select
        volunteer_hours.institute_id,
        volunteer_hours.unit_id,
        volunteer_hours.activity,
        volunteer_hours.service_date,
        volunteer_hours.service_year as year,
        volunteer_hours.volunteer_id,
        volunteer_hours.hours,
        volunteer_metrics.metric_ids,
        volunteer_hours.source_file,
        volunteer_hours.source_sheet,
        volunteer_hours.source_row,
        volunteer_hours.file_sha256
    from volunteer_hours
    cross join volunteer_metrics
)

select * from final
