with

source as (
    select * from {{ source('raw', 'staff') }}
),

renamed as (
    select
        -- ids
        cast(institute_id as string) as institute_id,
        cast(year as integer) as year,
        cast(unit_code as string) as unit_code,
        {{ unit_id('institute_id', 'unit_code') }} as unit_id,

        -- numerics
        cast(staff_total as integer) as staff_total,
        cast(tech_staff as integer) as tech_staff,
        cast(party_members as integer) as party_members,

        -- provenance
        cast(source_file as string) as source_file,
        cast(source_sheet as string) as source_sheet,
        cast(source_row as integer) as source_row

    from source
)

select * from renamed
