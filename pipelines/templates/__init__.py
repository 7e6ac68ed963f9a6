"""Submission templates: for every dataset an .xlsx generated from its contract (build.py), the headers
the ingest recognises, formats, dropdowns and an instructions sheet; for an institute of the register
(register.py), its name filled in. `make templates` / `python -m pipelines templates` write them to
data/templates/; the portal will serve the same bytes."""
from __future__ import annotations

from pathlib import Path

from pipelines.config import Settings
from pipelines.contracts import CONTRACTS
from pipelines.templates.build import INSTRUCTIONS, build_workbook
from pipelines.templates.register import Institute, read_register


class UnknownInstitute(ValueError):
    pass


def write_template(dataset: str, settings: Settings, institute: str | None = None,
                   register: list[Institute] | None = None) -> bytes:
    """The template of `dataset` as .xlsx bytes; for `institute` (an id of the register), with its name.
    `register`: the register already read (write_all reads it once for every dataset)."""
    register = read_register(settings) if register is None else register
    return build_workbook(CONTRACTS[dataset], register, _institute(register, institute))


def write_all(settings: Settings, out_dir: Path | None = None, institute: str | None = None) -> list[Path]:
    """Every dataset's template into `out_dir` (data/templates/ by default), under <institute id>/ for an
    institute. Returns the files written."""
    register = read_register(settings)
    own = _institute(register, institute)
    folder = (out_dir or settings.templates_dir) / (own.institute_id if own else "")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for dataset, contract in CONTRACTS.items():
        path = folder / f"{dataset}.xlsx"
        partial = path.with_name(f".{path.name}.tmp")
        partial.write_bytes(build_workbook(contract, register, own))
        partial.replace(path)  # a reader (the portal, a person) never sees half a workbook
        written.append(path)
    return written


def _institute(register: list[Institute], institute_id: str | None) -> Institute | None:
    if institute_id is None:
        return None
    found = next((i for i in register if i.institute_id.casefold() == institute_id.strip().casefold()), None)
    if found is None:
        known = ", ".join(i.institute_id for i in register) or "（名录为空 / the register is empty）"
        raise UnknownInstitute(f"机构名录中没有机构代码 {institute_id}（已登记：{known}）\n"
                               f"no institute {institute_id} in the register (registered: {known})")
    return found


__all__ = ["INSTRUCTIONS", "UnknownInstitute", "write_all", "write_template"]
