with

source as (
    select * from {{ source('raw', 'project_counts') }}
),

renamed as (
    select
        -- ids
        cast(institute_id as string) as institute_id,
        cast(year as integer) as year,
        cast(unit_code as string) as unit_code,
        {{ unit_id('institute_id', 'unit_code') }} as unit_id,

        -- strings
        level,
        funder,
        stage,
        evaluation,
        qualifier,

        -- numerics
        cast(count as integer) as project_count,

        -- provenance
        cast(source_file as string) as source_file,
        cast(source_sheet as string) as source_sheet,
        cast(source_row as integer) as source_row,
        cast(file_sha256 as string) as file_sha256

    from source
)

select * from renamed
