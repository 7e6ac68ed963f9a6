-- Each unit of the units register with itself (distance 0) and every unit above it (its parent at 1, the
-- parent's parent at 2 …), with the unit's depth (1 = directly under the institute) and its path of names
-- from the top ("先进制造计量研究中心 / 几何量计量室"). Joined to it, a record of a unit has one row per unit
-- it counts for — its own and each ancestor, once — so nested units roll up without double counting.
-- The ingest resolves a parent to a unit of the same institute and refuses a unit as its own parent; a
-- longer cycle (A under B under A) would climb for ever, so the climb stops at var max_unit_depth and the
-- model's test reports a unit found above itself. The climb is written out one step a CTE (climb_1 joins
-- climb_0's next unit, …): a recursive CTE would say the same, but Spark has none.
{%- set max_depth = var('max_unit_depth') %}
with

units as (
    select * from {{ ref('stg_raw__units') }}
),

climb_0 as (
    select
        unit_id,
        unit_id as ancestor_unit_id,
        parent_unit_id as next_unit_id,
        0 as distance
    from units
),
{% for distance in range(1, max_depth + 1) %}
    climb_{{ distance }} as (
        select
            below.unit_id,
            units.unit_id as ancestor_unit_id,
            units.parent_unit_id as next_unit_id,
            {{ distance }} as distance
        from climb_{{ distance - 1 }} as below
        inner join units
            on below.next_unit_id = units.unit_id
    ),
{% endfor %}
climb as (
    select * from climb_0
    {%- for distance in range(1, max_depth + 1) %}
        union all
        select * from climb_{{ distance }}
    {%- endfor %}
),

named as (
    select
        climb.unit_id,
        climb.ancestor_unit_id,
        climb.distance,
        units.institute_id,
        units.name_zh,
        coalesce(units.name_en, units.name_zh) as name_en
    from climb
    inner join units
        on climb.ancestor_unit_id = units.unit_id
),

paths as (
    select
        unit_id,
        max(distance) + 1 as depth,
        {{ ordered_listagg('name_zh', "' / '", 'order by distance desc') }} as path_zh,
        {{ ordered_listagg('name_en', "' / '", 'order by distance desc') }} as path_en
    from named
    group by unit_id
),

final as (
    select
        named.unit_id,
        named.institute_id,
        named.ancestor_unit_id,
        cast(named.distance as integer) as distance,
        cast(paths.depth as integer) as depth,
        paths.path_zh,
        paths.path_en
    from named
    inner join paths
        on named.unit_id = paths.unit_id
)

select * from final
