select * from {{ ref('stg_raw__rejects') }}
