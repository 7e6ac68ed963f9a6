-- Each quarantined row with the institute its own institute cell names, resolved as the ingest resolves
-- an accepted row's: the cell as submitted (original_values holds the cells keyed by the contract's column
-- names, the institute column being `institute` in every dataset an institute submits; a duplicate's cells
-- are as loaded, its institute the id), looked up among the register's spellings. Null when the cell is
-- empty or names no registered institute, and for the register's own rows: the register is the list of
-- institutes, not one institute's submission.
with

rejects as (
    select * from {{ ref('stg_raw__rejects') }}
),

spellings as (
    select * from {{ ref('int_institute_spellings') }}
),

final as (
    select
        rejects.*,
        spellings.institute_id as row_institute_id
    from rejects
    left join spellings
        on rejects.dataset <> 'institutes'
        and {{ th_key(json_text('rejects.original_values', "'$.institute'")) }} = spellings.spelling_key
)

select * from final
