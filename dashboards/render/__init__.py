"""Exports (no Dash): what the dashboard's downloads and the report pack make of figures and tables —
figures as PNG / SVG / PDF with a stamp saying what, which filters, as of when and from where
(stamp.py, export.py, drawn by the one shared Chromium of browser.py, the PDFs' text layer fixed by
pdf_text.py), tables as CSV and XLSX that Excel opens without running anything (tables.py)."""
