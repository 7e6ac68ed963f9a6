select * from {{ ref('stg_raw__warnings') }}
