"""The registers every other dataset resolves against — institutes (机构名录) and their units (内设机构名录) —
as the load treats them: checks across their rows (a name or alias of two institutes, or of two units of one
institute; a unit's parent named by code or name, unknown or in a cycle), and the lookups built from them
once loaded, which validate.py compiles the institute and unit columns of the later datasets with."""
from __future__ import annotations

from pipelines.ingest.landing import text_type
from pipelines.ingest.validate import FIRST_LATER_STATUS, Compiled, Units

INSTITUTE_TYPE = "institute_id"  # raw.institute_id: the register's ids, the ENUM looked-up ids are stored as
# Statuses set after the parsing pass for the registers' own checks (load.py sets the duplicate's).
STATUS_UNIT_TREE, STATUS_ALIAS_CONFLICT = FIRST_LATER_STATUS, FIRST_LATER_STATUS + 1


def create_lookups(con) -> None:
    con.execute("create or replace temp table institute_lookup (key varchar, institute_id varchar, province_code varchar)")
    con.execute("create or replace temp table unit_lookup (institute_id varchar, key varchar, unit_code varchar, "
                "valid_from integer, valid_to integer)")


def with_ord(staged: str, where: str) -> str:
    """Rows of `staged` with their row id and their ordinal _ord (see sheet_keys)."""
    return (f"select s.rowid as _rowid, (k.sheet_key << 32) + s.source_row as _ord, s.* "
            f"from {staged} s join sheet_keys k using (source_file, source_sheet) where {where}")


def flag_alias_conflicts(con, staged: str, owner: str = "institute_id", within: str | None = None) -> None:
    """An alias (or name) used by two institutes — or by two units of one institute (`within`) — would make
    rows ambiguous: the later one is quarantined, naming the earlier one."""
    same = " and f.scope = c.scope" if within else ""
    con.execute(f"""
        insert into found
        select k._ord, k.source_file, k.source_sheet, k.source_row, k.file_sha256, 'alias_conflict', 'aliases',
               concat('名称或简称「', k.key_text, '」已被 ', k.first_id, ' 使用（第 ', k.first_row, ' 行）'),
               concat('name or alias ''', k.key_text, ''' is already used by ', k.first_id, ' (row ', k.first_row, ')'),
               null, k._rowid
        from (
            with spelled as (
                select _rowid, _ord, source_file, source_sheet, source_row, file_sha256, {owner} as owner,
                       {within or 'null'} as scope, key_text, th_key(key_text) as key
                from (select *, unnest(th_names({owner}, name_zh, name_en, aliases)) as key_text
                      from ({with_ord(staged, "_status is null")}))
            )
            select c._rowid, c._ord, any_value(c.source_file) as source_file, any_value(c.source_sheet) as source_sheet,
                   any_value(c.source_row) as source_row, any_value(c.file_sha256) as file_sha256,
                   min_by(f.owner, f._ord) as first_id, min_by(f.source_row, f._ord) as first_row,
                   min(c.key_text) as key_text
            from spelled c join spelled f
              on f.key = c.key and f._ord < c._ord and f.owner <> c.owner{same}
            where c.key is not null
            group by c._rowid, c._ord
        ) k
    """)
    con.execute(f"update {staged} set _status = {STATUS_ALIAS_CONFLICT} "
                "where rowid in (select _rowid from found where code = 'alias_conflict')")


def build_institute_lookup(con) -> None:
    con.execute("""
        insert into institute_lookup
        select distinct key, institute_id, province_code from (
            select th_key(unnest(th_names(institute_id, name_zh, name_en, aliases))) as key, institute_id, province_code
            from raw.institutes
        ) where key is not null
    """)
    text_type(con, INSTITUTE_TYPE, [i for (i,) in con.execute("select institute_id from raw.institutes").fetchall()])


def build_unit_lookup(con) -> None:
    """Every spelling of every unit (code, names, aliases, folded as institute names are), per institute."""
    con.execute("""
        insert into unit_lookup
        select distinct cast(institute_id as varchar), key, unit_code, valid_from, valid_to from (
            select institute_id, th_key(unnest(th_names(unit_code, name_zh, name_en, aliases))) as key, unit_code,
                   valid_from, valid_to
            from raw.units
        ) where key is not null
    """)


def unit_register(con) -> Units:
    """The units register as loaded, for compiling a unit column (validate.Units)."""
    units = Units()
    for institute, key, code, valid_from, valid_to in con.execute("select * from unit_lookup").fetchall():
        units.codes.setdefault(institute, {})[key] = code
        units.spans[(institute, code)] = (valid_from, valid_to)
    return units


def resolve_parents(con, compiled: Compiled, staged: str) -> None:
    """The units register's parents: a parent named by the code, a name or an alias of a unit of the same
    institute becomes that unit's code. One naming no accepted unit of the institute quarantines the row
    (unknown_parent); a unit that is its own ancestor quarantines every unit of the cycle (unit_own_parent,
    the contract's rule for a unit naming itself, here through its parents). Repeated until nothing more is
    quarantined: a unit quarantined leaves its children without their parent. Registers are small."""
    original = compiled.original_json('s."{}"', 's."{}"', "s.source_sheet", mask=False)
    [(longest,)] = con.execute(f"select count(*) + 1 from {staged}").fetchall()  # a longer chain is a cycle
    while True:
        con.execute(f"""
            create or replace temp table parent_found as
            with names as (
                select distinct institute, unit_code, th_key(unnest(th_names(unit_code, name_zh, name_en, aliases))) as key
                from {staged} where _status is null
            )
            select s.rowid as _rowid, min(n.unit_code) as parent_code
            from {staged} s left join names n on n.institute = s.institute and n.key = th_key(s.parent)
            where s._status is null and s.parent is not null
            group by s.rowid
        """)
        con.execute(f"""
            insert into found
            select s._ord, s.source_file, s.source_sheet, s.source_row, s.file_sha256, 'unknown_parent', 'parent',
                   concat('上级部门「', s.parent, '」不是 ', s.institute, ' 在本名录中的部门（代码、名称或简称都对不上，'
                          '或该部门所在的行未被接收）'),
                   concat('parent ''', s.parent, ''' is no unit of ', s.institute, ' in this register (no code, name '
                          'or alias matches, or the row of that unit was quarantined)'),
                   {original}, s._rowid
            from ({with_ord(staged, "s.rowid in (select _rowid from parent_found where parent_code is null)")}) s
        """)
        con.execute(f"update {staged} set parent = p.parent_code from parent_found p "
                    f"where {staged}.rowid = p._rowid and p.parent_code is not null")
        con.execute(f"""
            create or replace temp table parent_cycles as
            with recursive up(_rowid, institute, start, code, steps) as (
                select rowid, institute, unit_code, parent, 1 from {staged} where _status is null and parent is not null
                union all
                select up._rowid, up.institute, up.start, s.parent, up.steps + 1
                from up join {staged} s on s.institute = up.institute and s.unit_code = up.code
                where s._status is null and s.parent is not null and up.code <> up.start and up.steps < {longest}
            )
            select distinct _rowid from up where code = start
        """)
        con.execute(f"""
            insert into found
            select s._ord, s.source_file, s.source_sheet, s.source_row, s.file_sha256, 'unit_own_parent', 'parent',
                   concat('部门「', s.unit_code, '」经上级部门「', s.parent, '」又回到自身：上级关系不能成环'),
                   concat('unit ''', s.unit_code, ''' leads back to itself through its parent ''', s.parent,
                          ''': parents must not form a cycle'),
                   {original}, s._rowid
            from ({with_ord(staged, "s.rowid in (select _rowid from parent_cycles)")}) s
        """)
        con.execute(f"update {staged} set _status = {STATUS_UNIT_TREE} where _status is null and rowid in "
                    "(select _rowid from found where code in ('unknown_parent', 'unit_own_parent'))")
        [(changed,)] = con.execute("select (select count(*) from parent_found where parent_code is null) "
                                   "+ (select count(*) from parent_cycles)").fetchall()
        if not changed:
            return
