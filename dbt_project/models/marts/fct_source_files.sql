select * from {{ ref('stg_raw__load_log') }}
