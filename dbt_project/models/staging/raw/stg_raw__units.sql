with

source as (
    select * from {{ source('raw', 'units') }}
),

renamed as (
    select
        -- ids
        cast(institute_id as string) as institute_id,
        cast(unit_code as string) as unit_code,
        {{ unit_id('institute_id', 'unit_code') }} as unit_id,
        cast(parent as string) as parent_unit_code,
        {{ unit_id('institute_id', 'parent') }} as parent_unit_id,

        -- strings
        name_zh,
        name_en,
        aliases,
        unit_type,

        -- numerics
        cast(valid_from as integer) as valid_from,
        cast(valid_to as integer) as valid_to,

        -- provenance
        cast(source_file as string) as source_file,
        cast(source_sheet as string) as source_sheet,
        cast(source_row as integer) as source_row,
        cast(file_sha256 as string) as file_sha256

    from source
)

select * from renamed
