"""The rules store: every saved version of each year's rules, kept. <rules_dir>/<year>/v<NNN>.yaml, and
beside it v<NNN>.json {saved_by, saved_at, note_zh, note_en} saying who saved it, when and why.

A version is never overwritten: a save takes the next number, and a refresh scores each year by its
highest one. Two saves at once get two numbers (the name is claimed with a hard link, which fails if
the name exists, so neither save is lost), and a reader never sees half a file (each is written
whole to a temporary file first)."""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from pipelines.evaluation.rules import parse_rules
from pipelines.evaluation.yaml_nodes import RulesError, decode

VERSION_NAME = re.compile(r"v(\d{3,})\.yaml")
SIDECAR_KEYS = ("saved_by", "saved_at", "note_zh", "note_en")


@dataclass(frozen=True)
class RuleVersion:
    year: int
    version: int
    path: Path
    sha256: str  # of the file's bytes
    saved_at: str  # ISO 8601: the sidecar's, else the file's modification time (UTC)
    saved_by: str | None
    note_zh: str | None
    note_en: str | None

    @property
    def name(self) -> str:
        return f"v{self.version:03d}"


def versions(rules_dir: Path, year: int | None = None) -> list[RuleVersion]:
    """Every saved version (of one year, or of all), oldest first: by year, then by number."""
    found = []
    for year_dir in year_dirs(rules_dir):
        if year is None or int(year_dir.name) == year:
            found += [_version(rules_dir, int(year_dir.name), int(m[1]))
                      for m in map(VERSION_NAME.fullmatch, os.listdir(year_dir)) if m]
    return sorted(found, key=lambda v: (v.year, v.version))


def latest(rules_dir: Path) -> dict[int, RuleVersion]:
    """year → its highest version: the rules a refresh scores that year by."""
    return {v.year: v for v in versions(rules_dir)}  # oldest first: the last of each year stays


def read_version(rules_dir: Path, year: int, version: int) -> str:
    path = _path(rules_dir, year, version, ".yaml")
    return decode(path.read_bytes(), _shown(rules_dir, path))


def with_weights(text: str, weights: dict[tuple[str, str], Decimal], file: str = "rules.yaml") -> str:
    """The rules text with the numbers on the named metric items' weight lines replaced — comments,
    layout and every other line as they were — and checked (the weights must still add up to 100).
    `weights`: {(scope, item_id): weight}, scope 'institute' or 'unit'."""
    spans = parse_rules(text, file).weight_spans
    if unknown := sorted(set(weights) - set(spans)):
        scope, item = unknown[0]
        raise KeyError(f"规则中没有 {scope} 范围的指标项 {item} / the rules have no metric item '{item}' in the scope {scope}")
    for key in sorted(weights, key=spans.__getitem__, reverse=True):  # from the end: earlier positions hold
        start, end = spans[key]
        text = text[:start] + _plain(weights[key]) + text[end:]
    parse_rules(text, file)
    return text


def save_version(rules_dir: Path, year: int, text: str, saved_by: str | None,
                 note_zh: str | None = None, note_en: str | None = None) -> RuleVersion:
    """Check the text (a RulesError if it is wrong: nothing is written), then write it as the year's
    next version with its sidecar. Returns the version written."""
    year_dir = rules_dir / str(year)
    parse_rules(text, _shown(rules_dir, year_dir / "v000.yaml").replace("v000", "vNNN"))
    year_dir.mkdir(parents=True, exist_ok=True)
    saved_at = datetime.now().astimezone().isoformat(timespec="seconds")
    sidecar = {"saved_by": saved_by, "saved_at": saved_at, "note_zh": note_zh, "note_en": note_en}
    yaml_tmp = _written(year_dir, text.encode("utf-8"))
    json_tmp = _written(year_dir, json.dumps(sidecar, ensure_ascii=False).encode("utf-8"))
    try:
        number = max((v.version for v in versions(rules_dir, year)), default=0) + 1
        # the sidecar claims the number first, then the rules file: a refresh that lists the new version
        # between the two finds its sidecar already there
        while not (_claim(json_tmp, _path(rules_dir, year, number, ".json"))
                   and _claim(yaml_tmp, _path(rules_dir, year, number, ".yaml"), undo=".json")):
            number += 1
        _sync_dir(year_dir)
    finally:
        yaml_tmp.unlink(missing_ok=True)
        json_tmp.unlink(missing_ok=True)
    return _version(rules_dir, year, number)


def year_dirs(rules_dir: Path) -> list[Path]:
    """The folders of evaluation years (named by the year), in year order."""
    if not rules_dir.is_dir():
        return []
    return sorted((rules_dir / name for name in os.listdir(rules_dir) if name.isdigit() and (rules_dir / name).is_dir()),
                  key=lambda p: int(p.name))


def _path(rules_dir: Path, year: int, version: int, suffix: str) -> Path:
    return rules_dir / str(year) / f"v{version:03d}{suffix}"


def _claim(written: Path, name: Path, undo: str | None = None) -> bool:
    """Give the written file `name` unless that name exists (then False, and the file named by the
    suffix `undo` — the sidecar claimed with this number — is removed again: a rules file put there by
    hand is not ours to replace, nor is its number). A hard link where the file system has them (one
    step); else the bytes copied to a file created only if it does not exist."""
    try:
        try:
            os.link(written, name)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links (some network shares)
            with open(name, "xb") as f:
                f.write(written.read_bytes())
    except FileExistsError:
        if undo:
            name.with_suffix(undo).unlink()
        return False
    return True


def _version(rules_dir: Path, year: int, number: int) -> RuleVersion:
    path = _path(rules_dir, year, number, ".yaml")
    data = path.read_bytes()
    sidecar = _sidecar(path.with_suffix(".json"), _shown(rules_dir, path.with_suffix(".json")))
    saved_at = sidecar.get("saved_at") or datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
    return RuleVersion(year, number, path, hashlib.sha256(data).hexdigest(), saved_at,
                       sidecar.get("saved_by"), sidecar.get("note_zh"), sidecar.get("note_en"))


def _sidecar(path: Path, file: str) -> dict:
    """A version's sidecar, or {} when it has none. One that cannot be read is an error, as the rules
    file would be: it says who decided the rules."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    try:
        sidecar = json.loads(decode(data, file))
    except json.JSONDecodeError as e:
        raise RulesError(file, e.lineno, f"JSON 语法错误（{e.msg}）", f"JSON syntax error ({e.msg})") from None
    if not isinstance(sidecar, dict) or any(k not in SIDECAR_KEYS or not isinstance(v, str | None)
                                            for k, v in sidecar.items()):
        raise RulesError(file, 1, f"说明文件应只含文字值的 {'、'.join(SIDECAR_KEYS)}",
                         f"a sidecar holds only {', '.join(SIDECAR_KEYS)}, each a text")
    return sidecar


def _written(folder: Path, data: bytes) -> Path:
    """A temporary file in `folder` (so that a hard link can name it there) holding `data`, synced."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=".saving-", suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(name, 0o644)
    return Path(name)


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _plain(weight: Decimal) -> str:
    """25 not 25.00 nor 2.5E+1: as a person writes it."""
    return format(Decimal(weight).normalize(), "f")


def _shown(rules_dir: Path, path: Path) -> str:
    """A path as messages give it: from the folder above rules/evaluation/ (the data folder's rules/…)."""
    try:
        return path.relative_to(rules_dir.parent.parent).as_posix()
    except ValueError:
        return path.as_posix()
