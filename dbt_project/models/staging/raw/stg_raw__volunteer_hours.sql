-- Unlike the other staging models, the institute id and the provenance stay as the ingest stored them
-- (ENUMs, see _raw__sources.yml): this is the table that grows with the submissions. Its records mart
-- writes them to Parquet as dictionary-encoded text straight from the ENUM codes, and
-- int_volunteer_totals groups by the id's code and gives it as text: at 1e7 records ~3 CPU-s less
-- than from text (docs/benchmarks-history.md). The published mart has plain text columns. The unit code
-- too stays as stored, for the same grouping; unit_id is text, computed only where a unit is named.
with

source as (
    select * from {{ source('raw', 'volunteer_hours') }}
),

renamed as (
    select
        -- ids
        institute_id,
        unit_code,
        {{ unit_id('institute_id', 'unit_code') }} as unit_id,
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
