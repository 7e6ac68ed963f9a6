with

source as (
    select * from {{ source('raw', 'volunteer_hours') }}
),

renamed as (
    select
        -- ids
        institute_id,
        volunteer_id,

        -- strings
        activity,

        -- numerics
        cast(hours as double) as hours,

        -- dates
        date as service_date,
        cast(extract(year from date) as integer) as service_year,

        -- provenance
        source_file,
        source_sheet,
        cast(source_row as integer) as source_row,
        file_sha256

    from source
)

select * from renamed
