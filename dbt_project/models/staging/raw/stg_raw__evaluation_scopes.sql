-- The evaluation's scopes of each year (pipelines/evaluation/load.py lands the year's highest rules
-- version): who is ranked against whom, and which rules file and version the scores come from.
with

source as (
    select * from {{ source('raw', 'evaluation_scopes') }}
),

renamed as (
    select
        -- keys
        cast(year as integer) as year,
        scope,

        -- who is ranked against whom
        group_by,
        unit_types,

        -- titles
        title_zh,
        title_en,

        -- the rules file
        rules_file,
        cast(rules_version as integer) as rules_version,
        rules_sha256,
        saved_at,
        saved_by

    from source
)

select * from renamed
