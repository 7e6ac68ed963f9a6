-- Every calendar year of each institute's active span (its first to its last year with any record or
-- staff figure), gaps included, with the institute's staff figure of that year if one was submitted.
-- Staff rows may name a unit (that unit's head count). The institute's figure is its row without a unit
-- where there is one; where every row of the year names a unit, the sum of the rows of its units directly
-- under it (depth 1) — a 室 inside a 中心 is part of the 中心's head count, so deeper rows are not added.
with

metric_values as (
    select * from {{ ref('int_metric_values_by_institute') }}
),

staff as (
    select * from {{ ref('stg_raw__staff') }}
),

scopes as (
    select * from {{ ref('int_institutes_scoped') }}
),

closure as (
    select * from {{ ref('int_unit_closure') }}
),

institute_rows as (
    select institute_id, year, staff_total
    from staff
    where unit_id is null
),

top_unit_rows as (
    select
        staff.institute_id,
        staff.year,
        sum(staff.staff_total) as staff_total
    from staff
    inner join closure
        on staff.unit_id = closure.unit_id
        and closure.distance = 0
        and closure.depth = 1
    group by staff.institute_id, staff.year
),

institute_staff as (
    select institute_id, year, staff_total from institute_rows
    union all
    select top_unit_rows.institute_id, top_unit_rows.year, top_unit_rows.staff_total
    from top_unit_rows
    left join institute_rows
        on top_unit_rows.institute_id = institute_rows.institute_id
        and top_unit_rows.year = institute_rows.year
    where institute_rows.institute_id is null
),

years_with_data as (
    select institute_id, year from metric_values
    union all
    select institute_id, year from staff
),

spans as (
    select
        institute_id,
        min(year) as first_year,
        max(year) as last_year
    from years_with_data
    group by institute_id
),

offsets as (
    select cast(generated_number as integer) - 1 as year_offset
    from ({{ dbt.generate_series(var('max_years_spanned')) }}) as series
),

spine as (
    select
        spans.institute_id,
        spans.first_year + offsets.year_offset as year
    from spans
    cross join offsets
    where spans.first_year + offsets.year_offset <= spans.last_year
),

peer_groups as (
    select institute_id, group_id as peer_group_id
    from scopes
    where group_id <> 'all'
),

final as (
    select
        spine.institute_id,
        spine.year,
        peer_groups.peer_group_id,
        institute_staff.staff_total
    from spine
    inner join peer_groups
        on spine.institute_id = peer_groups.institute_id
    left join institute_staff
        on spine.institute_id = institute_staff.institute_id
        and spine.year = institute_staff.year
)

select * from final
