-- One row per institute, year and volunteer: the hours served and the times served (records). The
-- volunteer metrics of an institute and of a comparison scope both read this instead of the records:
-- at 1e7 records it is ~3e6 rows, and counting distinct volunteers per scope over it instead of over
-- the records joined to every scope of their institute cost ~5 CPU-s less under the memory limit.
with

volunteer_hours as (
    select * from {{ ref('stg_raw__volunteer_hours') }}
),

final as (
    select
        institute_id,
        service_year as year,
        volunteer_id,
        sum(hours) as hours,
        count(*) as person_times
    from volunteer_hours
    group by institute_id, service_year, volunteer_id
)

select * from final
