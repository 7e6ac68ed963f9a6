{#- Rows whose combination of the columns occurs more than once fail the test: the grain of a model
    keyed by several columns (dbt-core's `unique` takes one column; dbt_utils is not reachable here).
    A null is one value here, as in a group by. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
select {{ combination_of_columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
