"""Annotated copy benchmark (issue 22): the .xlsx given back for an uploaded volunteer-hour file with its
errors marked — the office worker's own .xlsx loaded and saved by openpyxl, and a CSV's .xlsx copy of its
cells written by xlsxwriter.

    python -m bench.annotate [--rows 1e4] [--findings 1000] [--repeat 3] [--out bench/out]

The inputs are bench/ingest.py's generated files (date cells and numbers in the .xlsx, as typed by hand),
kept in <out>/inputs/. The findings are errors on rows spread evenly through the file, in turn on a date
cell, an hours cell and a whole row, with messages as long as the ingest's. Each run is a process of its
own (bench/child.py annotate): *copy s* is annotated_copy alone, its libraries imported beforehand as in
a server that has made a copy before; *wall s* the whole process; peak RSS its high-water mark (VmHWM).
Target: the copy of a 10,000-row workbook with 1,000 errors in ≤ 3 s."""
from __future__ import annotations

import argparse
import json
import shlex
import shutil
import statistics
import sys
from pathlib import Path

from bench.ingest import code_digest, ensure_input, label, report, run_child

TARGET_S = 3.0
KINDS = (("date", "bad_date", "「服务日期」的值「{v}」不是可识别的日期（如 2023-05-05 或 2023年5月5日）",
          "column 'date': 「{v}」 is not a date (e.g. 2023-05-05)"),
         ("hours", "hours_out_of_range", "服务时长 {v} 小时不在 0 到 24 小时之间", "{v} hours is outside (0, 24]"),
         (None, "other_year", "该行的服务日期不属于报送年度 2024", "the row's date is not in the reporting year 2024"))


def findings(rows: int, count: int, sheet: str) -> list[dict]:
    """`count` errors on rows spread evenly through the data rows (2 … rows + 1), kinds in turn."""
    step = max(rows // max(count, 1), 1)
    found = []
    for i in range(min(count, rows)):
        header, code, zh, en = KINDS[i % len(KINDS)]
        value = f"v{i}"
        found.append({"severity": "error", "sheet": sheet, "row": 2 + i * step, "header": header, "value": value,
                      "code": code, "zh": zh.format(v=value), "en": en.format(v=value)})
    return found


def measure(path: Path, file_format: str, rows: int, count: int, repeat: int, work: Path) -> dict:
    sheet = "志愿服务" if file_format == "xlsx" else ""
    spec = work / f"{file_format}.json"
    spec.write_text(json.dumps({"format": file_format, "header_rows": {sheet: 1},
                                "findings": findings(rows, count, sheet)}, ensure_ascii=False), encoding="utf-8")
    out = work / f"copy-of-{file_format}.xlsx"
    runs = []
    for _ in range(repeat):
        run = run_child("annotate", str(path), str(spec), str(out))
        run["copy_mib"] = out.stat().st_size / 2**20
        runs.append(run)
        print(f"  {file_format} {label(rows)} rows, {count:,} findings: copy {run['op_s']:.2f} s, wall "
              f"{run['wall_s']:.2f} s, peak {run['peak_rss_mib']:,.0f} MiB", flush=True)
    return {"input": file_format, "rows": rows, "findings": count, "tool": "touyan", "runs": runs,
            "median_copy_s": statistics.median(r["op_s"] for r in runs),
            "median_wall_s": statistics.median(r["wall_s"] for r in runs),
            "median_cpu_s": statistics.median(r["cpu_s"] for r in runs),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in runs), "copy_mib": runs[-1]["copy_mib"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.annotate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="1e4", help="data rows of each input (default 1e4)")
    parser.add_argument("--findings", type=int, default=1000, help="errors marked (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per input (default 3)")
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="output folder (default bench/out)")
    args = parser.parse_args(argv)
    rows = int(float(args.rows))
    work = args.out.resolve() / "annotate-work"
    work.mkdir(parents=True, exist_ok=True)
    code = code_digest()
    results = [measure(ensure_input(args.out / "inputs", kind, rows).resolve(), kind, rows, args.findings,
                       args.repeat, work) for kind in ("xlsx", "csv")]
    shutil.rmtree(work, ignore_errors=True)
    text = "\n".join(f"{r['input']}: {label(r['rows'])} rows, {r['findings']:,} findings: median copy "
                     f"{r['median_copy_s']:.2f} s, wall {r['median_wall_s']:.2f} s, CPU {r['median_cpu_s']:.2f} s, "
                     f"peak {r['peak_rss_mib']:,.0f} MiB, copy {r['copy_mib']:.1f} MiB" for r in results)
    xlsx = results[0]
    checks = [{"target": f"annotated copy of a {label(rows)}-row xlsx with {args.findings:,} errors ≤ {TARGET_S:.0f} s"
                         + ("" if (rows, args.findings) == (10_000, 1000) else " (target set at 1e4 rows, 1,000 errors)"),
               "value": f"{xlsx['median_copy_s']:.2f} s", "pass": xlsx["median_copy_s"] <= TARGET_S}]
    report(args.out / "annotate.json", shlex.join(sys.orig_argv), code, args.repeat, results, checks, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
