-- Every file the ingest read, with the one institute all its resolved rows belong to (null for a file of
-- several institutes or of none).
with

load_log as (
    select * from {{ ref('stg_raw__load_log') }}
),

file_institutes as (
    select * from {{ ref('int_source_file_institutes') }}
),

final as (
    select
        load_log.*,
        file_institutes.institute_id
    from load_log
    left join file_institutes
        on load_log.source_file = file_institutes.source_file
)

select * from final
