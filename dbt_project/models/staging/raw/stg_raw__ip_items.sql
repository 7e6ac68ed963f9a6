with

source as (
    select * from {{ source('raw', 'ip_items') }}
),

renamed as (
    select
        -- ids
        institute_id,
        number as ip_number,

        -- strings
        ip_kind as ip_type,
        title,
        status,

        -- dates
        app_date,
        grant_date,
        cast(extract(year from grant_date) as integer) as grant_year,

        -- provenance
        source_file,
        source_sheet,
        cast(source_row as integer) as source_row,
        file_sha256

    from source
)

select * from renamed
