-- A standard drafted by several institutes is one standard: they must agree on its publish date, or
-- the group total would count it in two years. Fix the file that is wrong (named by file and row).
with

standards as (
    select * from {{ ref('stg_raw__standards') }}
),

disagreeing as (
    select std_no
    from standards
    group by std_no
    having
        count(distinct institute_id) > 1
        and count(distinct coalesce(cast(publish_date as {{ dbt.type_string() }}), 'none')) > 1
)

select
    standards.std_no,
    standards.institute_id,
    standards.publish_date,
    standards.source_file,
    standards.source_row
from standards
inner join disagreeing
    on standards.std_no = disagreeing.std_no
