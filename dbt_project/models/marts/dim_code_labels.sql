-- Chinese and English labels of every coded value the marts carry, in one place for the dashboard
-- and the report pack.
with

code_labels as (
    select * from {{ ref('code_labels') }}
),

project_levels as (
    select * from {{ ref('project_levels') }}
),

std_levels as (
    select * from {{ ref('std_levels') }}
),

peer_groups as (
    select * from {{ ref('peer_groups') }}
),

final as (
    select code_type, code, name_zh, name_en, cast(sort_order as integer) as sort_order
    from code_labels
    union all
    select 'project_level' as code_type, level, name_zh, name_en, cast(sort_order as integer) as sort_order
    from project_levels
    union all
    select 'std_level' as code_type, std_level, name_zh, name_en, cast(sort_order as integer) as sort_order
    from std_levels
    union all
    select 'institute_type' as code_type, institute_type, institute_type_zh, institute_type_en, 0 as sort_order
    from peer_groups
)

select * from final
