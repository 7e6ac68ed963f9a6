"""The demo's evaluation rules (考核细则): the files of pipelines/demo/rules/, named <year>-v<NNN>.yaml
(and .json, the version's sidecar), copied to <rules_dir>/<year>/v<NNN>.yaml (.json) — the layout of
the rules store (pipelines/evaluation/store.py), as if an admin had saved each version in turn.

Only the demo's own file names are written (rewritten if they differ: the demo is regenerated as a
whole, as its raw folders are); any other version in the folder, one saved on the evaluation page, is
left alone."""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

SOURCE = Path(__file__).with_name("rules")
NAME = re.compile(r"(\d{4})-(v\d{3,})\.(yaml|json)")


def write(rules_dir: Path) -> list[Path]:
    """Write the demo's rules files into rules_dir; returns the files written, in name order."""
    written = []
    for source in sorted(SOURCE.iterdir()):
        if not (m := NAME.fullmatch(source.name)):
            continue
        target = rules_dir / m[1] / f"{m[2]}.{m[3]}"
        target.parent.mkdir(parents=True, exist_ok=True)
        data = source.read_bytes()
        if not target.is_file() or target.read_bytes() != data:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".demo-", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)  # whole or not at all: a refresh reading the folder sees no half file
        written.append(target)
    return written
