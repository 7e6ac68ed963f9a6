with

source as (
    select * from {{ source('raw', 'targets') }}
),

renamed as (
    select
        -- ids
        cast(institute_id as varchar) as institute_id,
        cast(year as integer) as year,
        metric_id,

        -- numerics
        cast(target as double) as target,

        -- provenance
        cast(source_file as varchar) as source_file,
        cast(source_sheet as varchar) as source_sheet,
        cast(source_row as integer) as source_row

    from source
)

select * from renamed
