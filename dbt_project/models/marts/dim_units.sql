-- The units register (所, 中心, 室, 班组 inside each institute), each unit with its parent, its depth
-- (1 = directly under the institute) and its path of names from the top, in Chinese and English.
with

units as (
    select * from {{ ref('stg_raw__units') }}
),

closure as (
    select * from {{ ref('int_unit_closure') }}
    where distance = 0
),

final as (
    select
        -- ids
        units.unit_id,
        units.institute_id,
        units.unit_code,

        -- names
        units.name_zh,
        units.name_en,
        units.aliases,

        -- place in the institute
        units.unit_type,
        units.parent_unit_id,
        closure.depth,
        closure.path_zh,
        closure.path_en,

        -- years
        units.valid_from,
        units.valid_to

    from units
    inner join closure
        on units.unit_id = closure.unit_id
)

select * from final
