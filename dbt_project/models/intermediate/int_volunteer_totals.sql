-- Hours served, volunteers and times served (records) per institute and year (scope 'institute') and
-- per comparison scope — `all` and each peer group — and year (scope 'group'). Both count distinct
-- volunteers from one service list (one row per institute, year and volunteer; ~3e6 rows at 1e7
-- records), so one model builds that list once and DuckDB keeps it in memory for both, instead of
-- writing it to the warehouse for two models to read back: ~1.5 CPU-s less at 1e7 (docs/benchmarks-history.md).
-- Counting distinct volunteers per scope over this list rather than over the records joined to every
-- scope of their institute cost ~5 CPU-s less under the memory limit.
with

volunteer_hours as (
    select * from {{ ref('stg_raw__volunteer_hours') }}
),

scopes as (
    select * from {{ ref('int_institutes_scoped') }}
),

closure as (
    select * from {{ ref('int_unit_closure') }}
),

service as (
    select
        -- grouped by the id as staged (the ingest's ENUM: cheaper to group by than text)
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

per_institute as (
    select
        'institute' as scope,
        cast(institute_id as string) as unit_id,
        year,
        sum(hours) as hours,
        count(*) as volunteers,
        sum(person_times) as person_times
    from service
    group by institute_id, year
),

per_group as (
    select
        'group' as scope,
        scopes.group_id as unit_id,
        service.year,
        sum(service.hours) as hours,
        -- a volunteer who served with two institutes of the scope is one volunteer
        count(distinct service.volunteer_id) as volunteers,
        sum(service.person_times) as person_times
    from service
    inner join scopes
        on cast(service.institute_id as string) = scopes.institute_id
    group by scopes.group_id, service.year
),

unit_service as (
    select
        -- grouped by the codes as staged, as above; the unit's id made once per row of the list
        institute_id,
        unit_code,
        service_year as year,
        volunteer_id,
        sum(cast(hours as decimal(18, 6))) as hours,
        count(*) as person_times
    from volunteer_hours
    where unit_code is not null
    group by institute_id, unit_code, service_year, volunteer_id
),

per_unit as (
    select
        'unit' as scope,
        closure.ancestor_unit_id as unit_id,
        unit_service.year,
        sum(unit_service.hours) as hours,
        -- a volunteer who served with two units under this one is one volunteer of it
        count(distinct unit_service.volunteer_id) as volunteers,
        sum(unit_service.person_times) as person_times
    from unit_service
    inner join closure
        on {{ unit_id('unit_service.institute_id', 'unit_service.unit_code') }} = closure.unit_id
    group by closure.ancestor_unit_id, unit_service.year
),

final as (
    select * from per_institute
    union all
    select * from per_group
    union all
    select * from per_unit
)

select * from final
