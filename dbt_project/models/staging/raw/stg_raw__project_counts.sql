with

source as (
    select * from {{ source('raw', 'project_counts') }}
),

renamed as (
    select
        -- ids
        institute_id,
        cast(year as integer) as year,

        -- strings
        level,
        funder,
        stage,
        evaluation,
        qualifier,

        -- numerics
        cast(count as integer) as project_count,

        -- provenance
        source_file,
        source_sheet,
        cast(source_row as integer) as source_row,
        file_sha256

    from source
)

select * from renamed
