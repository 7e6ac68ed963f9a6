"""The check of a register submitted whole (the units register) against what is already published: a unit
the institute's published rows name must still be found, by the spellings those rows may use, in the new
register — or those rows are quarantined (unknown_unit) at the next refresh. The upload check cannot read
the marts (the portal reads the units in use through dashboards/views and hands them to the check), and
their rows keep the unit they resolved to, not the spelling typed, so this is a warning: a unit gone
entirely, or one whose code stays but an old name or alias is dropped (renamed without keeping the old name
as an alias), each with the number of published rows naming it. The institute keeps a closed unit with its
撤销年份, keeps an old name among the aliases, or explains. Spellings are compared as the ingest resolves
them (th_names, th_key), over the register as the check loaded it."""
from __future__ import annotations

from dataclasses import astuple, dataclass

from pipelines.ingest.sql_functions import sql_str
from pipelines.submissions.marks import Finding

CODE = "unit_in_use_missing"
NAMED = 10  # units named in the message; the rest counted


@dataclass(frozen=True)
class UnitInUse:
    unit_code: str
    name_zh: str
    name_en: str | None
    aliases: str | None
    rows: int  # published rows naming the unit, over every dataset


def missing_in_use(con, dataset: str, institute_id: str, in_use: list[UnitInUse]) -> Finding | None:
    """The warning about the units in use whose spellings the institute's accepted rows of raw.<dataset> (the
    new register) lack, in part or whole; None when it has them all."""
    if not in_use:
        return None
    con.execute("create or replace temp table in_use (unit_code varchar, name_zh varchar, name_en varchar, "
                "aliases varchar, rows bigint)")
    con.executemany("insert into in_use values (?, ?, ?, ?, ?)", [astuple(u) for u in in_use])
    lost = con.execute(f"""
        with new as (
            select distinct th_key(unnest(th_names(unit_code, name_zh, name_en, aliases))) as key
            from raw.{dataset} where cast(institute_id as varchar) = {sql_str(institute_id)}
        ),
        old as (
            select unit_code, name_zh, rows, th_trim(unnest(th_names(unit_code, name_zh, name_en, aliases))) as spelling
            from in_use
        )
        select unit_code, any_value(name_zh), any_value(rows),
               bool_and(th_key(spelling) not in (select key from new where key is not null)) as gone,
               list(distinct spelling order by spelling)
                   filter (where th_key(spelling) not in (select key from new where key is not null)) as lost
        from old where spelling is not null
        group by unit_code
        having len(lost) > 0
        order by gone desc, any_value(rows) desc, unit_code
    """).fetchall()
    if not lost:
        return None
    gone = [(code, name, rows) for code, name, rows, whole, _ in lost if whole]
    renamed = [(code, name, rows, spellings) for code, name, rows, whole, spellings in lost if not whole]
    zh, en = [], []
    if gone:
        zh.append(f"{sum(r for *_, r in gone)} 行已发布的数据所填的部门不在新名录中：" + _list(
            [f"{name}（{code}，{rows} 行）" for code, name, rows in gone], "、", " 等 {n} 个部门"))
        en.append(f"{sum(r for *_, r in gone)} published rows name units this register no longer has: " + _list(
            [f"{name} ({code}, {rows} rows)" for code, name, rows in gone], "; ", " and {n} more"))
    if renamed:
        zh.append("以下部门仍在名录中，但原来的名称或简称已不在其中，按原名称填写的行将不予接收：" + _list(
            [f"{code}（原称 {'、'.join(s)}，{rows} 行已发布的数据填写该部门）" for code, _, rows, s in renamed], "、",
            " 等 {n} 个部门"))
        en.append("these units remain but dropped a name or alias, and rows naming them by it would be quarantined: "
                  + _list([f"{code} (formerly {', '.join(s)}; {rows} published rows name the unit)"
                           for code, _, rows, s in renamed], "; ", " and {n} more"))
    return Finding(
        "warning", "", None, None, str(len(lost)), CODE,
        "；".join(zh) + "。下次更新时这些行将因部门不在名录中而不予接收：撤销的部门请保留并填写撤销年份，改名的请把原名称填为简称，或说明原因",
        ". ".join(en) + ". At the next refresh those rows would be quarantined (unknown_unit): keep a closed unit "
        "with its valid_to year, keep an old name among a renamed unit's aliases, or explain")


def _list(items: list[str], sep: str, more: str) -> str:
    shown = sep.join(items[:NAMED])
    return shown + (more.format(n=len(items) if "等" in more else len(items) - NAMED) if len(items) > NAMED else "")
