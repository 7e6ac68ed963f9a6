with

source as (
    select * from {{ source('raw', 'targets') }}
),

renamed as (
    select
        -- ids
        institute_id,
        cast(year as integer) as year,
        metric_id,

        -- numerics
        cast(target as double) as target,

        -- provenance
        source_file,
        source_sheet,
        cast(source_row as integer) as source_row

    from source
)

select * from renamed
