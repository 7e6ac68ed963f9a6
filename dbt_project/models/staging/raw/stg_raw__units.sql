with

source as (
    select * from {{ source('raw', 'units') }}
),

renamed as (
    select
        -- ids
        cast(institute_id as varchar) as institute_id,
        cast(unit_code as varchar) as unit_code,
        {{ unit_id('institute_id', 'unit_code') }} as unit_id,
        cast(parent as varchar) as parent_unit_code,
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
        cast(source_file as varchar) as source_file,
        cast(source_sheet as varchar) as source_sheet,
        cast(source_row as integer) as source_row,
        cast(file_sha256 as varchar) as file_sha256

    from source
)

select * from renamed
