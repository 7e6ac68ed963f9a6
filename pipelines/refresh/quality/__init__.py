"""Quality gates: Great Expectations suites on the raw tables (before dbt) and on the marts (after).

`checks.py` declares what is checked — each check is a DataFrame built by one DuckDB query (the whole
table when it stays small, per-group aggregates when it can be large) and the expectations on it;
`gate.py` runs them with GX and writes Data Docs. GX is imported only when a gate runs.
"""
