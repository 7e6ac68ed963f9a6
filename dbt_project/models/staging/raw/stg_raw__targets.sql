with

source as (
    select * from {{ source('raw', 'targets') }}
),

renamed as (
    select
        -- ids
        cast(institute_id as string) as institute_id,
        cast(year as integer) as year,
        metric_id,

        -- numerics
        cast(target as double) as target,

        -- provenance
        cast(source_file as string) as source_file,
        cast(source_sheet as string) as source_sheet,
        cast(source_row as integer) as source_row

    from source
)

select * from renamed
