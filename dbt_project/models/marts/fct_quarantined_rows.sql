-- Rows not loaded, with the institute whose rows they are (see the model's description): the row's own
-- institute cell where it names one, otherwise the institute that submitted the file, otherwise none.
with

quarantined as (
    select * from {{ ref('int_quarantined_rows') }}
),

file_institutes as (
    select * from {{ ref('int_source_file_institutes') }}
),

final as (
    select
        quarantined.dataset,
        quarantined.reason_code,
        quarantined.source_column,
        quarantined.message_zh,
        quarantined.message_en,
        quarantined.original_values,
        quarantined.source_file,
        quarantined.source_sheet,
        quarantined.source_row,
        quarantined.file_sha256,
        coalesce(quarantined.row_institute_id, file_institutes.institute_id) as institute_id
    from quarantined
    left join file_institutes
        on quarantined.source_file = file_institutes.source_file
)

select * from final
