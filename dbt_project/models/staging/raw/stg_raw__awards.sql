with

source as (
    select * from {{ source('raw', 'awards') }}
),

renamed as (
    select
        -- ids
        cast(institute_id as string) as institute_id,
        cast(unit_code as string) as unit_code,
        {{ unit_id('institute_id', 'unit_code') }} as unit_id,
        cast(year as integer) as year,

        -- strings
        award_name,
        awarding_body,
        level,
        grade,
        role,
        for_title,
        for_ref,
        for_kind,

        -- provenance
        cast(source_file as string) as source_file,
        cast(source_sheet as string) as source_sheet,
        cast(source_row as integer) as source_row,
        cast(file_sha256 as string) as file_sha256

    from source
)

select * from renamed
