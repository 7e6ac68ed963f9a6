{#- Rows where the expression is false fail the test (dbt-core has no such test; dbt_utils is not
    reachable here). Nulls pass: write `x is not null and …` to forbid them. -#}
{% test expression_is_true(model, expression) %}
select * from {{ model }} where not ({{ expression }})
{% endtest %}
