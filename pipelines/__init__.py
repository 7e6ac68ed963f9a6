"""Touyan pipelines: ingestion of institute submissions into the DuckDB warehouse."""
