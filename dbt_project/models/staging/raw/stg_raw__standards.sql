with

source as (
    select * from {{ source('raw', 'standards') }}
),

renamed as (
    select
        -- ids
        cast(institute_id as string) as institute_id,
        std_no,
        cast(unit_code as string) as unit_code,
        {{ unit_id('institute_id', 'unit_code') }} as unit_id,

        -- strings
        std_level,
        std_province_code,
        title,
        role,
        action,

        -- numerics
        cast(std_year as integer) as std_year,

        -- dates
        publish_date,
        effective_date,
        cast(extract(year from publish_date) as integer) as publish_year,

        -- provenance
        cast(source_file as string) as source_file,
        cast(source_sheet as string) as source_sheet,
        cast(source_row as integer) as source_row,
        cast(file_sha256 as string) as file_sha256

    from source
)

select * from renamed
