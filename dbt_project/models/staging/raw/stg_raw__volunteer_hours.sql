-- Unlike the other staging models, the provenance stays as the ingest stored it (ENUMs, see
-- _raw__sources.yml): this is the table that grows with the submissions, and only its records mart
-- reads the provenance, which it writes to Parquet as dictionary-encoded text straight from the ENUM
-- codes — at 1e7 records ~2 CPU-s less than from text (docs/benchmarks.md). The file, and so the
-- published mart, has plain text columns.
with

source as (
    select * from {{ source('raw', 'volunteer_hours') }}
),

renamed as (
    select
        -- ids
        cast(institute_id as varchar) as institute_id,
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
