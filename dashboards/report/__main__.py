"""`python -m dashboards.report [--year 2024] [--institutes FJQI,ZJQS] [--metrics …] [--lang zh|en] [--out folder]
[--as USER]`: the report pack from the published marts (make report); with `--yearbook`, the evaluation's
yearbook instead — a PDF per institute (make yearbook; dashboards/report/yearbook.py). Without --as it holds everything; with
it, only what that account may see in the dashboard (an institute's user: its own institute's PDF), and the
run is in the accounts' audit trail. Exits 2 when nothing it was asked for is published, or the account is
missing or disabled, or it asks for what the account may not see; 1 when some file failed (the others are
written), 130 when interrupted."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.config import Settings

if TYPE_CHECKING:
    from dashboards.report.pack import PackResult
    from dashboards.views.viewer import Viewer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards.report",
                                     description="the report pack: figures (PNG/SVG/PDF), KPI tables (XLSX/CSV) and "
                                                 "a combined PDF for the group and each institute, from the published marts")
    parser.add_argument("--year", type=int, help="the report's year (default: the latest in the published marts)")
    parser.add_argument("--institutes", help="institute ids, comma-separated (default: all)")
    parser.add_argument("--metrics", help="metric ids to draw figures for, comma-separated (default: the headline "
                                          "metrics; the KPI tables always list every metric)")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default: zh)")
    parser.add_argument("--out", type=Path, help="output folder (default: data/reports/<year>/)")
    parser.add_argument("--release", type=int, metavar="YEAR",
                        help="read the year's official release (make release) rather than the latest version")
    parser.add_argument("--as", dest="user", metavar="USER",
                        help="make the pack as this account of the dashboard sees the data (default: everything)")
    parser.add_argument("--yearbook", action="store_true",
                        help="the evaluation's yearbook (考评风采录) instead: a PDF per institute into "
                             "data/reports/<year>/yearbook/ (the year defaults to the latest evaluated)")
    args = parser.parse_args(argv)
    if args.yearbook and args.metrics:
        parser.error("--metrics is for the report pack, not the yearbook")
    settings = Settings.from_env()

    from dashboards.report.pack import build_pack
    from dashboards.views.store import NotPublished
    from dashboards.views.viewer import Refused

    def ids(text: str | None) -> list[str] | None:
        return [i.strip() for i in text.split(",") if i.strip()] if text else None

    viewer = None
    if args.user is not None:
        viewer = account_viewer(settings, args.user)
        if viewer is None:
            return 2
    if args.release is not None:
        from dashboards.views.viewer import Viewer
        viewer = (viewer or Viewer.everyone()).reading(args.release)
    if args.yearbook:
        return yearbook(settings, args, ids(args.institutes), viewer)
    try:
        result = build_pack(settings, args.year, ids(args.institutes), args.lang, args.out, metrics=ids(args.metrics),
                            viewer=viewer)
    except Refused as e:
        print(f"报告未生成：{e.message_zh}\nReport pack not made: {e.message_en}", file=sys.stderr)
        return 2
    except (NotPublished, ValueError) as e:
        print(f"Report pack not made: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nReport pack interrupted: the files listed above were written, the rest were not.", file=sys.stderr)
        return 130
    print(summary(result))
    if viewer is not None:
        audit(settings, viewer, result, ids(args.institutes))
    return 1 if result.failures else 0


def yearbook(settings: Settings, args: argparse.Namespace, institutes: list[str] | None, viewer: Viewer | None) -> int:
    """The yearbook run: the same exit codes as the pack's (2: nothing asked for is published or may be seen,
    1: a PDF failed, 130: interrupted), audited as "yearbook" for an account."""
    from dashboards.report.yearbook import NoEvaluation, build_yearbook
    from dashboards.views.store import NotPublished
    from dashboards.views.viewer import Refused

    try:
        result = build_yearbook(settings, args.year, institutes, args.lang, args.out, viewer=viewer)
    except (Refused, NoEvaluation) as e:
        print(f"考评风采录未生成：{e.message_zh}\nYearbook not made: {e.message_en}", file=sys.stderr)
        return 2
    except (NotPublished, ValueError) as e:
        print(f"Yearbook not made: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nYearbook interrupted: the files listed above were written, the rest were not.", file=sys.stderr)
        return 130
    print(f"\nYearbook {result.year} ({result.lang}) in {result.out_dir}: {len(result.files)} PDF in "
          f"{result.seconds:.1f} s (marts run {result.run_id}).")
    if result.failures:
        print(f"\n{len(result.failures)} FAILED (everything else was written):")
        print("\n".join(f"  ✗ {f}" for f in result.failures))
    if viewer is not None:
        from dashboards.accounts.store import AccountStore

        with AccountStore(settings) as accounts:
            accounts.record_event(viewer.username, "yearbook", None, year=result.year, institutes=institutes,
                                  lang=result.lang, run_id=result.run_id, files=len(result.files),
                                  failures=len(result.failures))
    return 1 if result.failures else 0


def account_viewer(settings: Settings, username: str) -> Viewer | None:
    """The viewer of an enabled account; None (said on stderr, in Chinese and English) otherwise."""
    from dashboards.accounts.errors import AccountError
    from dashboards.accounts.store import AccountStore
    from dashboards.views.viewer import Viewer

    with AccountStore(settings) as accounts:
        try:
            account = accounts.get(username)
        except AccountError as e:
            print(f"报告未生成：{e.message_zh}\nReport pack not made: {e.message_en}", file=sys.stderr)
            return None
    if account.disabled:
        print(f"报告未生成：用户 {account.username!r} 已停用。\nReport pack not made: user {account.username!r} is disabled.",
              file=sys.stderr)
        return None
    return Viewer.for_account(account, settings.min_group_others)


def audit(settings: Settings, viewer: Viewer, result: PackResult, institutes: list[str] | None) -> None:
    """The run in the accounts' audit trail: who, which year and language, which institutes (None: all the
    account sees), how many files."""
    from dashboards.accounts.store import AccountStore

    with AccountStore(settings) as accounts:
        accounts.record_event(viewer.username, "report", None, year=result.year, institutes=institutes,
                              lang=result.lang, run_id=result.run_id, files=len(result.files),
                              failures=len(result.failures))


def summary(result: PackResult) -> str:
    """What the pack wrote, by kind, and every failure."""
    kinds: dict[str, int] = {}
    for path in result.files:
        kinds[path.suffix.lstrip(".")] = kinds.get(path.suffix.lstrip("."), 0) + 1
    lines = [f"\nReport pack {result.year} ({result.lang}) in {result.out_dir}: {result.figures} figures, "
             + ", ".join(f"{n} {k.upper()}" for k, n in sorted(kinds.items()))
             + f" in {result.seconds:.1f} s (marts run {result.run_id})."]
    if result.failures:
        lines.append(f"\n{len(result.failures)} FAILED (everything else was written):")
        lines += [f"  ✗ {f}" for f in result.failures]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
