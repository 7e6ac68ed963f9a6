with

source as (
    select * from {{ source('raw', 'institutes') }}
),

renamed as (
    select
        -- ids
        institute_id,

        -- strings
        name_zh,
        name_en,
        aliases,
        province_code,
        coalesce(institute_type, 'other') as institute_type,

        -- numerics
        cast(founded_year as integer) as founded_year

    from source
)

select * from renamed
