-- Every calendar year of each institute's active span (its first to its last year with any record or
-- staff figure), gaps included, with the staff figure of that year if one was submitted.
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
        staff.staff_total
    from spine
    inner join peer_groups
        on spine.institute_id = peer_groups.institute_id
    left join staff
        on spine.institute_id = staff.institute_id
        and spine.year = staff.year
)

select * from final
