"""The report pack (`python -m dashboards.report`, `make report`): the dashboard's figures and KPI tables
as files for the group and each institute, and a combined A4 PDF per unit (made by pack.py)."""
