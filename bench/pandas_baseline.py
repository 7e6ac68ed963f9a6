"""The baseline for the refresh benchmark: what an analyst would write in plain pandas to get the
volunteer metrics from the same raw files, with no validation, no quarantine and no publishing.

    python -m bench.pandas_baseline <raw_dir> <out_dir>

Reads the institute register and every file under <raw_dir>/volunteer_hours/ (CSV in UTF-8 or GB18030,
xlsx through calamine), maps each institute's name or code to its id through the register, and computes
per institute and calendar year (every year of the institute's span, gaps as 0): vol_hours (sum of
hours), vol_volunteers (distinct volunteers), vol_person_times (rows); then, per metric, the change
against the previous calendar year, the three-year rolling sum, and the rank and share within the whole
group in that year. Writes <out_dir>/institute_metric_year.parquet. The other datasets are a few
thousand rows in all and are left out: the volume, and so the time, is in the volunteer hours."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

COLUMNS = {  # header spellings seen in the submitted files → one name
    "单位": "institute", "单位名称": "institute", "机构": "institute", "机构名称": "institute",
    "填报单位": "institute", "活动名称": "activity", "活动": "activity", "服务项目": "activity",
    "服务日期": "date", "活动日期": "date", "日期": "date", "志愿者编号": "volunteer_id",
    "志愿者编码": "volunteer_id", "身份证号": "volunteer_id", "身份证号码": "volunteer_id",
    "证件号码": "volunteer_id", "服务时长": "hours", "时长": "hours", "服务时长(小时)": "hours", "小时数": "hours",
}
METRICS = ["vol_hours", "vol_volunteers", "vol_person_times"]


def read_table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(path, engine="calamine", dtype=str)
    try:
        return pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    except UnicodeDecodeError:
        return pd.read_csv(path, encoding="gb18030", dtype=str)


def institute_ids(raw_dir: Path) -> dict[str, str]:
    """Every spelling in the register (code, full name, English name, each short name) → the code."""
    register = pd.concat([read_table(p) for p in sorted((raw_dir / "institutes").iterdir())])
    names = {}
    for row in register.itertuples(index=False):
        code, full, english, short = row[0], row[1], row[2], row[3]
        for name in [code, full, english, *re.split(r"[、;；,，/]", short if isinstance(short, str) else "")]:
            if isinstance(name, str) and name.strip():
                names[name.strip()] = code
    return names


def parse_dates(values: pd.Series) -> pd.Series:
    try:
        return pd.to_datetime(values, format="ISO8601")
    except ValueError:  # one institute writes 2015年1月9日
        values = values.str.replace(r"(\d{4})年(\d{1,2})月(\d{1,2})日", r"\1-\2-\3", regex=True)
        return pd.to_datetime(values, format="mixed", errors="coerce")


def volunteer_hours(raw_dir: Path, ids: dict[str, str]) -> pd.DataFrame:
    frames = []
    for path in sorted((raw_dir / "volunteer_hours").iterdir()):
        if path.name.startswith((".", "~$")):
            continue
        df = read_table(path).rename(columns=lambda c: COLUMNS.get(str(c).strip(), str(c).strip()))
        frames.append(pd.DataFrame({
            "institute_id": df["institute"].str.strip().map(ids),
            "year": parse_dates(df["date"]).dt.year,
            "volunteer_id": df["volunteer_id"],
            "hours": pd.to_numeric(df["hours"], errors="coerce"),
        }))
    return pd.concat(frames, ignore_index=True)


def metrics(vol: pd.DataFrame) -> pd.DataFrame:
    per_year = vol.groupby(["institute_id", "year"]).agg(
        vol_hours=("hours", "sum"), vol_volunteers=("volunteer_id", "nunique"),
        vol_person_times=("hours", "size")).astype("float64")
    # every calendar year of each institute's span, years without records as 0
    spans = per_year.reset_index().groupby("institute_id")["year"].agg(["min", "max"])
    spine = pd.MultiIndex.from_tuples(
        [(i, y) for i, (lo, hi) in spans.iterrows() for y in range(int(lo), int(hi) + 1)],
        names=["institute_id", "year"])
    wide = per_year.reindex(spine, fill_value=0.0)
    out = wide.reset_index().melt(id_vars=["institute_id", "year"], var_name="metric_id", value_name="value")
    out = out.sort_values(["institute_id", "metric_id", "year"], ignore_index=True)
    history = out.groupby(["institute_id", "metric_id"])["value"]
    out["prior_value"] = history.shift(1)  # the spine has no gaps: one row back is the calendar year before
    out["yoy_abs"] = out["value"] - out["prior_value"]
    out["yoy_pct"] = out["yoy_abs"] / out["prior_value"].where(out["prior_value"] != 0)
    out["r3y"] = out["value"] + out["prior_value"] + history.shift(2)
    group = out.groupby(["year", "metric_id"])["value"]
    out["group_total"] = group.transform("sum")
    out["group_share"] = out["value"] / out["group_total"].where(out["group_total"] != 0)
    out["group_rank"] = group.rank(method="min", ascending=False).astype("int32")
    out["group_n"] = group.transform("count").astype("int32")
    out["year"] = out["year"].astype("int32")
    return out


def run(raw_dir: Path, out_dir: Path) -> int:
    """The whole baseline; the number of volunteer-hour rows read."""
    vol = volunteer_hours(raw_dir, institute_ids(raw_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics(vol).to_parquet(out_dir / "institute_metric_year.parquet", index=False)
    return len(vol)


if __name__ == "__main__":
    print(f"{run(Path(sys.argv[1]), Path(sys.argv[2])):,} volunteer-hour rows read")
