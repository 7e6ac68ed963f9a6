"""Benchmarks. `python -m bench.ingest` (or `make bench`) measures the ingest against DuckDB and fastexcel."""
