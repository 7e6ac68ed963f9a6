-- The files whose resolved rows, accepted and quarantined, all belong to one institute, with that
-- institute: the institute that submitted the file. A file of several institutes (the staff figures of
-- all of them, the targets) or of none resolvable (the register, whose rows are institutes rather than
-- an institute's records) is not listed.
with

accepted as (
    select * from {{ ref('int_accepted_row_institutes') }}
),

quarantined as (
    select * from {{ ref('int_quarantined_rows') }}
),

resolved as (
    select source_file, institute_id from accepted
    group by source_file, institute_id
    union all
    select source_file, row_institute_id from quarantined
),

final as (
    select
        source_file,
        min(institute_id) as institute_id
    from resolved
    group by source_file
    having count(distinct institute_id) = 1
)

select * from final
