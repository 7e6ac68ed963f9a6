-- Who is evaluated in each year with rules, and against whom (group_id: one ranking per group):
-- scope institute — every institute of that year's active spans, in one ranking ('all') or one per peer
-- group (group_by peer_group); scope unit — each unit of a type the rules name (unit_types, a comma
-- list) valid that year in an institute active that year, ranked among its institute's units of that
-- type (group_id '<institute_id>:<unit_type>').
with

scopes as (
    select * from {{ ref('stg_raw__evaluation_scopes') }}
),

institute_years as (
    select * from {{ ref('int_institute_years') }}
),

units as (
    select * from {{ ref('stg_raw__units') }}
),

institutes as (
    select
        scopes.year,
        scopes.scope,
        case when scopes.group_by = 'peer_group' then institute_years.peer_group_id else 'all' end as group_id,
        institute_years.institute_id as entity_id,
        institute_years.institute_id,
        cast(null as string) as unit_id
    from scopes
    inner join institute_years
        on scopes.year = institute_years.year
    where scopes.scope = 'institute'
),

unit_entities as (
    select
        scopes.year,
        scopes.scope,
        {{ dbt.concat(['units.institute_id', "':'", 'units.unit_type']) }} as group_id,
        units.unit_id as entity_id,
        units.institute_id,
        units.unit_id
    from scopes
    inner join institute_years
        on scopes.year = institute_years.year
    inner join units
        on institute_years.institute_id = units.institute_id
        and institute_years.year >= coalesce(units.valid_from, institute_years.year)
        and institute_years.year <= coalesce(units.valid_to, institute_years.year)
        and {{ in_code_list('units.unit_type', 'scopes.unit_types') }}
    where scopes.scope = 'unit'
),

final as (
    select * from institutes
    union all
    select * from unit_entities
)

select * from final
