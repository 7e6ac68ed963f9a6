with

source as (
    select * from {{ source('raw', 'ip_items') }}
),

renamed as (
    select
        -- ids
        cast(institute_id as string) as institute_id,
        number as ip_number,
        cast(unit_code as string) as unit_code,
        {{ unit_id('institute_id', 'unit_code') }} as unit_id,

        -- strings
        ip_kind as ip_type,
        title,
        status,

        -- dates
        app_date,
        grant_date,
        cast(extract(year from grant_date) as integer) as grant_year,

        -- provenance
        cast(source_file as string) as source_file,
        cast(source_sheet as string) as source_sheet,
        cast(source_row as integer) as source_row,
        cast(file_sha256 as string) as file_sha256

    from source
)

select * from renamed
