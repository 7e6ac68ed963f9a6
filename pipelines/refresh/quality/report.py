"""A quality gate's report: one static page, every check with each expectation's outcome — what was
observed, how many rows broke it and which (file and row, or institute and year). No script, no
stylesheet file, nothing from another host: it reads the same opened from disk on an offline intranet
as served by the dashboard. (GX's own Data Docs, written beside it, load nine scripts and six
stylesheets from CDNs; the dashboard does not serve them.) Pure: built from plain outcomes, no GX."""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pipelines.refresh.quality.checks import Check


@dataclass
class Outcome:
    """One expectation's result on one check's frame."""

    expectation: str  # GX's name: expect_column_values_to_be_between
    arguments: dict
    success: bool
    observed: object = None  # an aggregate expectation's observed value
    unexpected_count: int | None = None  # a row expectation's rows that break it…
    element_count: int | None = None  # …of this many
    sample: list[dict] = field(default_factory=list)  # offending rows (located: file and row, institute and year)
    error: str | None = None  # the expectation could not be evaluated


STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; } p.note { color: #555; }
.passed { color: #1f7a3f; } .failed { color: #b3261e; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .9rem; }
th, td { border: 1px solid #d0d4d9; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f2f4; } tr.failed td { background: #fdf1f0; } code { font-size: .85rem; }
table.sample { margin: .25rem 0 0; } table.sample th, table.sample td { font-size: .8rem; }
"""


def render_report(gate: str, run_time: datetime, checks: list[tuple[Check, list[Outcome]]]) -> str:
    """The gate's report page: a summary line, then each check — those with a failure first — with a
    table of its expectations."""
    failed = [check for check, outcomes in checks if not all(o.success for o in outcomes)]
    total = sum(len(outcomes) for _, outcomes in checks)
    broken = sum(not o.success for _, outcomes in checks for o in outcomes)
    status = (f'<strong class="failed">未通过 FAILED</strong> · {broken} / {total} 项期望未满足 expectations failed, '
              f"{len(failed)} / {len(checks)} 项检查 checks"
              if broken else f'<strong class="passed">通过 PASSED</strong> · {total} 项期望全部满足 expectations met, '
                             f"{len(checks)} 项检查 checks")
    when = run_time.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    ordered = sorted(checks, key=lambda item: item[0] not in failed)
    return "\n".join([
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">',
        f"<title>质量校验 Quality gate · {_text(gate)}</title><style>{STYLE}</style></head><body>",
        f"<h1>质量校验报告 Quality gate report · {_text(gate)}</h1>",
        f"<p>{status}</p>",
        f'<p class="note">运行于 Run at {when}. 每项检查是一个数据框（DuckDB 查询）及其期望（Great Expectations）。'
        " Each check is a frame (a DuckDB query) and its expectations (Great Expectations).</p>",
        *[_check(check, outcomes) for check, outcomes in ordered],
        "</body></html>",
    ])


def _check(check: Check, outcomes: list[Outcome]) -> str:
    ok = all(o.success for o in outcomes)
    rows = "".join(_row(o) for o in outcomes)
    return (f'<section id="{html.escape(check.name, quote=True)}"><h2 class="{"passed" if ok else "failed"}">'
            f'{"✓" if ok else "✗"} {_text(check.name)}</h2><p class="note">{_text(check.description)}</p>'
            "<table><thead><tr><th>结果 Result</th><th>期望 Expectation</th><th>观察 Observed</th>"
            f"<th>不符的行 Offending rows</th></tr></thead><tbody>{rows}</tbody></table></section>")


def _row(outcome: Outcome) -> str:
    arguments = ", ".join(f"{key}={value!r}" for key, value in outcome.arguments.items()
                          if key != "batch_id" and value is not None)
    if outcome.error:
        observed = f"错误 error: {_text(outcome.error)}"
    elif outcome.unexpected_count is not None:
        observed = f"{outcome.unexpected_count} / {outcome.element_count} 行 rows"
    else:
        observed = _text(_plain(outcome.observed))
    return (f'<tr class="{"passed" if outcome.success else "failed"}"><td>{"✓ 通过" if outcome.success else "✗ 未通过"}</td>'
            f"<td><code>{_text(outcome.expectation)}</code><br><code>{_text(arguments)}</code></td>"
            f"<td>{observed}</td><td>{_sample(outcome.sample)}</td></tr>")


def _sample(rows: list[dict]) -> str:
    if not rows:
        return ""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    head = "".join(f"<th>{_text(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_text(_plain(row.get(c)))}</td>" for c in columns) + "</tr>" for row in rows)
    return f'<table class="sample"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _plain(value) -> str:
    return "—" if value is None else str(value)


def _text(value) -> str:
    """Text for an element's content (never an attribute's)."""
    return html.escape(str(value), quote=False)
