-- What an institute's awards were given for, where the award names it by number: per institute and
-- standard / patent / software number, how many awards and their names (by year, then name). The
-- standards and IP marts show these beside the item.
with

awards as (
    select * from {{ ref('stg_raw__awards') }}
    where for_kind is not null
),

final as (
    select
        institute_id,
        for_kind,
        for_ref,
        count(*) as award_count,
        {{ ordered_listagg('award_name', "'；'", 'order by year, award_name') }} as award_names
    from awards
    group by institute_id, for_kind, for_ref
)

select * from final
