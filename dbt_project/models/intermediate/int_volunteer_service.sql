-- One row per institute, year and volunteer: the hours served and the times served (records). The
-- volunteer metrics of an institute and of a comparison scope both read this instead of the records:
-- at 1e7 records it is ~3e6 rows, and counting distinct volunteers per scope over it instead of over
-- the records joined to every scope of their institute cost ~5 CPU-s less under the memory limit.
with

volunteer_hours as (
    select * from {{ ref('stg_raw__volunteer_hours') }}
),

aggregated as (
    select
        institute_id,
        service_year as year,
        volunteer_id,
        -- exact: summed as decimals (to a millionth of an hour), so the totals do not depend on the
        -- order in which parallel threads add them up, and a refresh of the same files repeats them
        sum(cast(hours as decimal(18, 6))) as hours,
        count(*) as person_times
    from volunteer_hours
    group by institute_id, service_year, volunteer_id
),

final as (
    select
        cast(institute_id as varchar) as institute_id,
        year,
        volunteer_id,
        hours,
        person_times
    from aggregated
)

select * from final
