"""Command line: `python -m pipelines ingest | demo`. Parses options and calls the service modules."""
from __future__ import annotations

import argparse
import sys

from pipelines.config import Settings
from pipelines.errors import FileError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines", description="Touyan data pipeline")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("ingest", help="load data/raw/<dataset>/ files into the DuckDB warehouse")
    sub.add_parser("demo", help="regenerate the bundled demo submissions in data/raw/")
    args = parser.parse_args(argv)
    settings = Settings.from_env()

    if args.command == "demo":
        from pipelines.demo import generate

        planted = generate(settings.raw_dir)
        print(f"Demo data written to {settings.raw_dir} ({len(planted)} rows planted for quarantine)")
        return 0

    from pipelines.ingest import ingest, summary_table

    try:
        result = ingest(settings)
    except FileError as e:
        print("\nIngest stopped: a file cannot be read. Nothing was loaded; the previous warehouse is unchanged.\n"
              "导入已停止：有文件无法读取，本次未载入任何数据，原有数据保持不变。\n", file=sys.stderr)
        print(e.render(), file=sys.stderr)
        return 2
    print()
    print(summary_table(result))
    t = result.totals
    print(f"\n{t['accepted']:,} rows loaded into {settings.warehouse} in {result.seconds:.1f} s.")
    if t["rejected"]:
        print(f"{t['rejected']:,} rows quarantined — open {result.rejects_report} in Excel for the reasons "
              f"(隔离行及原因见该文件).")
    if t["warnings"]:
        print(f"{t['warnings']:,} warnings (rows kept) — see {result.warnings_report}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
