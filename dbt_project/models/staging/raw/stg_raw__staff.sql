with

source as (
    select * from {{ source('raw', 'staff') }}
),

renamed as (
    select
        -- ids
        institute_id,
        cast(year as integer) as year,

        -- numerics
        cast(staff_total as integer) as staff_total,
        cast(tech_staff as integer) as tech_staff,
        cast(party_members as integer) as party_members,

        -- provenance
        source_file,
        source_sheet,
        cast(source_row as integer) as source_row

    from source
)

select * from renamed
