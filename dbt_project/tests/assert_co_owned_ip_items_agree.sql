-- A patent or software copyright listed by several institutes is one item: they must agree on its type
-- and grant date, or the group total would count it in two years (or as two kinds). Fix the file
-- that is wrong; the rows are named by file and row.
with

ip_items as (
    select * from {{ ref('stg_raw__ip_items') }}
),

disagreeing as (
    select ip_number
    from ip_items
    group by ip_number
    having
        count(distinct institute_id) > 1
        and (
            count(distinct ip_type) > 1
            or count(distinct coalesce(cast(grant_date as {{ dbt.type_string() }}), 'none')) > 1
        )
)

select
    ip_items.ip_number,
    ip_items.institute_id,
    ip_items.ip_type,
    ip_items.grant_date,
    ip_items.source_file,
    ip_items.source_row
from ip_items
inner join disagreeing
    on ip_items.ip_number = disagreeing.ip_number
