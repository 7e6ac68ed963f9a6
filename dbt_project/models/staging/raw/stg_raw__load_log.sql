with

source as (
    select * from {{ source('raw', 'load_log') }}
),

renamed as (
    select
        -- ids
        source_file,
        dataset,
        file_sha256,

        -- strings
        file_format,
        encoding,
        sheets,
        header_rows,
        ignored_columns,
        notes,

        -- numerics
        cast(file_bytes as bigint) as file_bytes,
        cast(rows_read as bigint) as rows_read,
        cast(accepted as bigint) as rows_accepted,
        cast(rejected as bigint) as rows_quarantined,
        cast(warnings as bigint) as warnings,
        cast(blank_rows as bigint) as blank_rows,
        cast(total_rows as bigint) as total_rows

    from source
)

select * from renamed
