with

source as (
    select * from {{ source('raw', 'rejects') }}
),

renamed as (
    select
        -- ids
        dataset,
        reason_code,

        -- strings
        source_column,
        message_zh,
        message_en,
        original_values,

        -- provenance
        source_file,
        source_sheet,
        cast(source_row as integer) as source_row,
        file_sha256

    from source
)

select * from renamed
