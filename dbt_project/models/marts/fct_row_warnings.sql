-- Rows loaded with a warning, with the institute whose rows they are: the warned row's institute as the
-- ingest resolved it (the row was loaded), otherwise (a total row that does not add up is not loaded) the
-- institute that submitted the file, otherwise none.
with

warnings as (
    select * from {{ ref('stg_raw__warnings') }}
),

accepted as (
    select * from {{ ref('int_accepted_row_institutes') }}
),

file_institutes as (
    select * from {{ ref('int_source_file_institutes') }}
),

final as (
    select
        warnings.*,
        coalesce(accepted.institute_id, file_institutes.institute_id) as institute_id
    from warnings
    left join accepted
        on warnings.dataset = accepted.dataset
        and warnings.source_file = accepted.source_file
        and warnings.source_sheet = accepted.source_sheet
        and warnings.source_row = accepted.source_row
    left join file_institutes
        on warnings.source_file = file_institutes.source_file
)

select * from final
