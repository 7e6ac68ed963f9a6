"""Command line: `python -m pipelines ingest | refresh | demo | docs | templates | release | stop-workers`. Parses options
and calls the service modules. The commands that write the data folder hold its lock (pipelines/lock.py)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.config import Settings
from pipelines.errors import FileError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines", description="Touyan data pipeline")
    sub = parser.add_subparsers(dest="command", required=True)
    writers = [sub.add_parser("ingest", help="load data/raw/<dataset>/ files into the DuckDB warehouse"),
               sub.add_parser("demo", help="regenerate the bundled demo submissions in data/raw/ and its evaluation rules in data/rules/")]
    sub.add_parser("stop-workers", help="end the dbt and GX worker processes kept for the next refresh "
                                        "(only with TOUYAN_WORKER_IDLE set: they are opt-in)")
    refresh = sub.add_parser("refresh", help="ingest → quality gate → dbt build → quality gate → publish data/marts/")
    refresh.add_argument("--allow-empty", metavar="DATASETS", type=_datasets, default=[],
                         help="datasets (comma-separated) that may be published without rows although the "
                              "published version has some: the data is meant to be withdrawn")
    docs = sub.add_parser("docs", help="generate dbt docs (the lineage and column definitions of the marts)")
    docs.add_argument("--serve", action="store_true", help="also serve them on 127.0.0.1:8080")
    templates = sub.add_parser("templates", help="write the submission templates (.xlsx, one per dataset) to "
                                                 "data/templates/")
    templates.add_argument("--institute", metavar="ID", help="for this institute of the register: its name "
                                                             "filled in, in data/templates/<ID>/")
    templates.add_argument("--out", metavar="DIR", type=Path, help="another folder than data/templates/")
    release = sub.add_parser("release", help="mark a published version as the official release of a reporting "
                                             "year (年报口径: never pruned; the dashboard can show it), list or "
                                             "remove the releases")
    release.add_argument("--year", type=int, help="the reporting year")
    release.add_argument("--run", metavar="RUN_ID", help="the published version (default: the current one)")
    release.add_argument("--note", default="", help="why this version (kept in the record)")
    release.add_argument("--list", action="store_true", help="list the official releases")
    release.add_argument("--remove", action="store_true", help="withdraw the --year's official release")
    for writer in (*writers, refresh, docs, release):
        writer.add_argument("--wait", action="store_true",
                            help="if another command is writing the data folder (a refresh, say), wait for it")
    args = parser.parse_args(argv)
    settings = Settings.from_env()

    if args.command == "stop-workers":
        from pipelines.runtime.resident import stop_all

        stopped = stop_all(settings.runtime_dir)
        print(f"Stopped {len(stopped)} idle worker process(es) {stopped or ''}".rstrip())
        return 0
    if args.command == "templates":  # writes only its own folder, never what a refresh reads: no lock
        return _templates(settings, args.institute, args.out)
    from pipelines.lock import DataFolderBusy, write_lock

    try:
        if args.command == "refresh":
            return _refresh(settings, args.wait, args.allow_empty)  # refresh() takes the lock itself, for callers in code too
        if args.command == "release":
            if args.list:  # a read: no lock
                return _list_releases(settings)
            if args.year is None:
                parser.error("release: --year is needed (or --list)")
            with write_lock(settings.data_dir, "release", args.wait):  # prune must not run meanwhile
                return _release(settings, args.year, args.run, args.note, args.remove)
        if args.command == "docs":
            with write_lock(settings.data_dir, "docs", args.wait):
                outcome = _docs(settings)
            if outcome == 0 and args.serve:  # serving reads only dbt's output: the lock is not held for it
                _serve_docs(settings)
            return outcome
        with write_lock(settings.data_dir, args.command, args.wait):
            return _demo(settings) if args.command == "demo" else _ingest(settings)
    except DataFolderBusy as e:
        print(e, file=sys.stderr)
        return 75  # EX_TEMPFAIL: try again later


def _datasets(text: str) -> list[str]:
    from pipelines.contracts import CONTRACTS

    names = [name.strip() for name in text.split(",") if name.strip()]
    if unknown := [name for name in names if name not in CONTRACTS]:
        raise argparse.ArgumentTypeError(f"no dataset named {', '.join(unknown)} (datasets: {', '.join(CONTRACTS)})")
    return names


def _demo(settings: Settings) -> int:
    from pipelines.demo import generate

    try:
        planted = generate(settings.raw_dir, settings.rules_dir)
    except FileError as e:
        print(f"Demo data not written.\n{e.render()}", file=sys.stderr)
        return 2
    print(f"Demo data written to {settings.raw_dir} ({len(planted)} rows planted for quarantine), "
          f"the demo's evaluation rules to {settings.rules_dir}")
    return 0


def _templates(settings: Settings, institute: str | None, out: Path | None) -> int:
    from pipelines.templates import UnknownInstitute, write_all

    try:
        written = write_all(settings, out, institute)
    except FileError as e:
        print(f"Templates not written: the institute register cannot be read.\n{e.render()}", file=sys.stderr)
        return 2
    except UnknownInstitute as e:
        print(f"Templates not written.\n{e}", file=sys.stderr)
        return 2
    print(f"{len(written)} templates written to {written[0].parent}")
    return 0


def _list_releases(settings: Settings) -> int:
    from pipelines.refresh.publish import read_releases
    from pipelines.refresh.releases import published_runs

    releases = read_releases(settings.marts_dir)
    if not releases:
        print("No official release yet (尚无年报口径版本): python -m pipelines release --year YEAR")
        return 0
    on_disk = set(published_runs(settings.marts_dir))
    for year, entry in sorted(releases.items()):
        missing = "" if entry["run_id"] in on_disk else "  [version missing 版本缺失]"
        print(f"{year}  run {entry['run_id']}  by {entry['by']}  at {entry['at']}"
              + (f"  — {entry['note']}" if entry["note"] else "") + missing)
    return 0


def _release(settings: Settings, year: int, run_id: str | None, note: str, withdraw: bool) -> int:
    import getpass

    from pipelines.refresh.releases import ReleaseError, mark, remove

    try:
        if withdraw:
            entry = remove(settings.marts_dir, year)
            print(f"{year} official release withdrawn (run {entry['run_id']}); 已撤销 {year} 年报口径。")
        else:
            entry = mark(settings.marts_dir, year, run_id, getpass.getuser(), note)
            print(f"Run {entry['run_id']} is the official {year} release (已标记为 {year} 年报口径); "
                  "it will not be pruned.")
    except ReleaseError as e:
        print(e.render(), file=sys.stderr)
        return 2
    return 0


def _ingest(settings: Settings) -> int:
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


def _refresh(settings: Settings, wait: bool, allow_empty: list[str]) -> int:
    from pipelines.refresh import EXIT_CODES, StageFailed, failure_summary, refresh

    try:
        result = refresh(settings, wait=wait, allow_empty=allow_empty)
    except StageFailed as e:
        print(failure_summary(e, settings), file=sys.stderr)
        return EXIT_CODES[e.stage]
    t = result.ingest_totals
    on_spark = settings.engine == "spark"
    print(f"\nPublished {result.version} (run {result.run_id}{', on Spark' if on_spark else ''}) in "
          f"{result.seconds:.1f} s — " + ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
          + ("" if on_spark else " (gate_raw beside dbt_build)"))
    print(f"{t['accepted']:,} rows loaded, {t['rejected']:,} quarantined "
          f"(see {settings.reports_dir / 'ingest' / 'rejects.csv'}), "
          f"{t['warnings']:,} warnings. Quality reports: {settings.reports_dir / 'quality'}/*/report.html")
    if not on_spark:
        print(_workers_note(result.workers, settings.worker_idle_seconds))
    return 0


def _workers_note(workers: dict[str, str], idle_seconds: int) -> str:
    """How the refresh's workers came and stay: every one kept from the previous refresh, every one new,
    or each worker by name. Only a refresh that opted in to resident workers (TOUYAN_WORKER_IDLE) is told
    that they stay."""
    states = set(workers.values())
    if states == {"kept"}:
        how = "kept from the previous refresh"
    elif "kept" not in states:
        how = "started for this refresh"
    else:
        how = ", ".join(f"{name} {state}" for name, state in workers.items())
    note = f"dbt and GX workers: {how}"
    if idle_seconds > 0 and states != {"own"}:
        note += (f"; they stay {idle_seconds // 60} min for the next one "
                 "(TOUYAN_WORKER_IDLE=0 to turn off, `python -m pipelines stop-workers` to end them now)")
    return note + "."


def _docs(settings: Settings) -> int:
    from pipelines.refresh.transform import run_dbt, target_dir

    outcome = run_dbt(settings, "docs generate")
    if not outcome.success:
        print(outcome.error or "dbt docs generate failed", file=sys.stderr)
        return 1
    print(f"dbt docs written to {target_dir(settings) / 'index.html'}")
    return 0


def _serve_docs(settings: Settings) -> None:
    from pipelines.refresh.transform import run_dbt

    run_dbt(settings, "docs serve", "--port", "8080", "--host", "127.0.0.1")


if __name__ == "__main__":
    sys.exit(main())
