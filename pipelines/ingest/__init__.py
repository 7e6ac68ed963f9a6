"""The ingest: every file under data/raw/<dataset>/ → the DuckDB warehouse, all or nothing (run.py).

Reading a file: files.py (its format, digest, the sheets it lands), headers.py (finding the header row),
csv_reader.py, workbook_reader.py with workbook_numbers.py (cells as typed) and workbook_limits.py
(refusing a workbook too large to open), prefetch.py (reading ahead on a thread). Loading a dataset:
landing.py (its files as one view), validate.py (the contract compiled to SQL) with sql_functions.py,
load.py (the raw tables), issue_report.py (the quarantine and warning CSVs)."""
from pipelines.ingest.run import IngestResult, discover, ingest, summary_table

__all__ = ["IngestResult", "discover", "ingest", "summary_table"]
