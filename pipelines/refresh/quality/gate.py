"""Run a quality gate: build each check's frame in DuckDB, validate it with Great Expectations, write
Data Docs, and return what failed with sample offending rows a person can act on.

`validate` is the gate whatever the engine: the DuckDB refresh hands it pandas frames and GX's pandas
datasource (`run_gate`), the Spark refresh Spark dataframes and GX's Spark datasource (spark_gate.py)."""
from __future__ import annotations

import contextlib
import importlib.util
import logging
import shutil
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from pipelines.config import REPORT_FILE, quiet_tools
from pipelines.refresh.quality.checks import Check
from pipelines.refresh.quality.report import Outcome, render_report

SAMPLE_ROWS = 5


@dataclass
class Failure:
    check: str
    expectation: str
    arguments: dict
    unexpected_count: int
    sample: list[dict] = field(default_factory=list)

    def render(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.arguments.items() if k not in ("batch_id",) and v is not None)
        lines = [f"  ✗ {self.check}: {self.expectation}({args}) — {self.unexpected_count} offending row(s)"]
        lines += [f"      {row}" for row in self.sample]
        return "\n".join(lines)


@dataclass
class GateResult:
    gate: str
    checks: int
    expectations: int
    failures: list[Failure]
    docs_index: Path
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures


def _import_gx():
    quiet_tools()  # GX's analytics off, before its import (pipelines/config.py TOOL_ENVIRONMENT)
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    _import_on_first_use("scipy.stats")
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig
    with contextlib.suppress(ImportError, AttributeError):  # GX internals moved: slower docs, same result
        _share_compiled_templates()
    return gx, gxe, ProgressBarsConfig, RunIdentifier


def _import_on_first_use(name: str) -> None:
    """GX imports scipy.stats (~1 CPU-s, a third of GX's import) for distribution expectations the gates
    do not use. Registered as a lazy module, it loads on first use, if any: the GX worker's start-up,
    which competes with the ingest and dbt for the two cores of a first refresh, is ~1 CPU-s shorter."""
    spec = None if name in sys.modules else importlib.util.find_spec(name)
    if spec is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)


def _share_compiled_templates() -> None:
    """GX renders Data Docs through a new Jinja environment per view, so every docs build compiles its
    ~50 templates again (~0.3–0.5 CPU-s). A bytecode cache shared by those environments — in memory, and
    in Jinja's cache folder under the temporary directory, keyed by template and checked against its
    source — lets the marts gate's docs (on the refresh's critical path) and a new GX worker's first
    gate skip that."""
    import jinja2
    from great_expectations.render.view.view import DefaultJinjaView

    if getattr(DefaultJinjaView, "_touyan_cache", None) is not None:
        return

    class KeptBytecodeCache(jinja2.FileSystemBytecodeCache):
        def __init__(self):
            self.store: dict[str, bytes] = {}
            try:
                super().__init__(pattern="touyan-gx-%s.cache")
                self.on_disk = True
            except (OSError, RuntimeError):  # no usable cache folder (Jinja refuses an unsafe one): memory only
                self.on_disk = False

        def load_bytecode(self, bucket):
            if bucket.key in self.store:
                bucket.bytecode_from_string(self.store[bucket.key])
            elif self.on_disk:
                super().load_bytecode(bucket)
                if bucket.code is not None:
                    self.store[bucket.key] = bucket.bytecode_to_string()

        def dump_bytecode(self, bucket):
            self.store[bucket.key] = bucket.bytecode_to_string()
            if self.on_disk:
                with contextlib.suppress(OSError):  # a read-only or full disk: compiled again next time
                    super().dump_bytecode(bucket)

    DefaultJinjaView._touyan_cache = KeptBytecodeCache()
    original_init = DefaultJinjaView.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.env.bytecode_cache = DefaultJinjaView._touyan_cache

    DefaultJinjaView.__init__ = init


@contextlib.contextmanager
def _configurations_kept():
    """GX 1.x rebuilds an expectation's configuration (a pydantic `dict()` of the expectation, then a new
    ExpectationConfiguration) on every read of `Expectation.configuration`, and one validation reads it
    ~100 times per expectation (about once per keyword looked up). During one validation run nothing changes
    the expectations it validates, so each expectation's configuration is built once per run: the gates
    17–20 % faster (docs/benchmarks-history.md), same results (tests/unit/test_quality_gate.py). Only around
    `ValidationDefinition.run`: adding a suite gives its expectations ids, which a kept copy would miss."""
    try:
        from great_expectations.expectations.expectation import Expectation
        original = Expectation.__dict__["configuration"]
        build = original.fget
    except (ImportError, KeyError, AttributeError):  # GX internals moved: slower, same result
        yield
        return
    built: dict[int, tuple] = {}

    def configuration(self):
        kept = built.get(id(self))
        if kept is None or kept[0] is not self:
            kept = built[id(self)] = (self, build(self))
        return kept[1]

    Expectation.configuration = property(configuration)
    try:
        yield
    finally:
        Expectation.configuration = original


def check_frames(checks: tuple[Check, ...], con: duckdb.DuckDBPyConnection) -> dict:
    """Each check's frame, from DuckDB (small whatever the data size: see checks.py). Columns the ingest
    stores as ENUMs (file, institute id: landing.text_type) come as text, as they read in SQL, not as
    pandas categories."""
    frames = {}
    for check in checks:
        relation = con.sql(check.sql)
        columns = [f'"{name}"::varchar as "{name}"' if str(kind).startswith("ENUM") else f'"{name}"'
                   for name, kind in zip(relation.columns, relation.types, strict=True)]
        frames[check.name] = relation.select(", ".join(columns)).df()
    return frames


def run_gate(gate: str, checks: tuple[Check, ...], frames: dict, docs_dir: Path) -> GateResult:
    """Validate the pandas frames of `check_frames` with GX's pandas datasource (`validate`). Needs no
    warehouse, so it runs in the refresh's GX worker process while dbt builds."""
    return validate(gate, checks, frames, docs_dir, lambda context: context.data_sources.add_pandas(gate))


def validate(gate: str, checks: tuple[Check, ...], frames: dict, docs_dir: Path, add_datasource) -> GateResult:
    """Validate each check's frame (`frames` by check name: pandas or Spark dataframes, whichever the GX
    datasource that `add_datasource(context)` adds reads) and write the gate's Data Docs, and its report
    (report.py: one static page, what the dashboard serves).

    Every check is validated with GX's BASIC result format (success, observed values, unexpected counts
    and values: what the Data Docs show); only a check that fails is validated again with SUMMARY and
    the columns that locate its offending rows (file and row, institute and year), for the summary a
    person acts on. That result replaces the first in the Data Docs (same run). SUMMARY with row
    locations on every check, and the YAML below, were ~40 % of the gates' time (docs/benchmarks-history.md)."""
    gx, gxe, ProgressBarsConfig, RunIdentifier = _import_gx()
    context = gx.get_context(mode="ephemeral")
    # An ephemeral context re-serialises its whole configuration to YAML, in memory, on every asset added
    # (~10 % of a gate); nothing reads that copy. On the instance, so a GX that renames it is unaffected.
    context._save_project_config = lambda *args, **kwargs: None
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    shutil.rmtree(docs_dir, ignore_errors=True)
    context.add_data_docs_site(site_name=gate, site_config={
        "class_name": "SiteBuilder",
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
    })
    source = add_datasource(context)
    run_id = RunIdentifier(run_time=datetime.now(UTC))
    failures: list[Failure] = []
    outcomes: list[tuple[Check, list[Outcome]]] = []
    expectations = 0
    for check in checks:
        frame = frames[check.name]
        batch = source.add_dataframe_asset(check.name).add_batch_definition_whole_dataframe(check.name)
        suite = context.suites.add(gx.ExpectationSuite(
            name=check.name, meta={"notes": check.description},
            expectations=[getattr(gxe, kind)(**args) for kind, args in check.expectations]))
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=check.name, data=batch,
                                                                                 suite=suite))
        with _configurations_kept():
            validation = definition.run(batch_parameters={"dataframe": frame}, result_format="BASIC", run_id=run_id)
        expectations += len(validation.results)
        if not validation.success:
            with _configurations_kept():
                validation = definition.run(batch_parameters={"dataframe": frame}, run_id=run_id, result_format={
                    "result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_ROWS,
                    "unexpected_index_column_names": [c for c in check.identify_by if c in frame.columns]})
            failures += [_failure(check, result) for result in validation.results if not result.success]
        outcomes.append((check, [_outcome(result) for result in validation.results]))
    context.build_data_docs(site_names=[gate])
    (docs_dir / REPORT_FILE).write_text(render_report(gate, run_id.run_time, outcomes), encoding="utf-8")
    return GateResult(gate, len(checks), expectations, failures, docs_dir / REPORT_FILE)


def _failure(check: Check, result) -> Failure:
    details = result.result or {}
    error = _error(result)
    sample = [{"error": error}] if error else _sample(result)
    return Failure(check.name, result.expectation_config.type, dict(result.expectation_config.kwargs),
                   int(details.get("unexpected_count") or 0), sample)


def _outcome(result) -> Outcome:
    """A result as the report shows it: the observed value, or the rows that break it and a sample."""
    details = result.result or {}
    counted = "unexpected_count" in details
    return Outcome(result.expectation_config.type, dict(result.expectation_config.kwargs), bool(result.success),
                   observed=_plain(details.get("observed_value")),
                   unexpected_count=int(details["unexpected_count"] or 0) if counted else None,
                   element_count=details.get("element_count"),
                   sample=[] if result.success else _sample(result), error=_error(result))


def _sample(result) -> list[dict]:
    """The offending rows a result names, located (file and row, institute and year) when it was
    validated with the check's locating columns, else their values."""
    details = result.result or {}
    sample = details.get("partial_unexpected_index_list") or [
        {"value": v} for v in details.get("partial_unexpected_list", [])]
    return [{k: _plain(v) for k, v in row.items()} for row in sample[:SAMPLE_ROWS]]


def _error(result) -> str | None:
    info = result.exception_info or {}
    return info.get("exception_message") if info.get("raised_exception") else None


def _plain(value):
    """A sample cell as a person reads it: numpy scalars as Python ones, an empty cell as None (not nan), a
    ratio to six significant digits (10.2546, not 10.25462962962963). A decimal (as Spark returns one) as
    a float, as pandas holds it on DuckDB's path."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return None if value != value else float(f"{value:.6g}")
    return value
