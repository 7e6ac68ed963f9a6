"""Cells of a workbook as they were typed: fastexcel writes a number cell's double as text, with its
binary noise or, past 2**53, with digits that were never typed. Normalised here, vectorised in Arrow."""
from __future__ import annotations

import re
from collections.abc import Callable

import pyarrow as pa

# Numbers in workbooks. A spreadsheet keeps what is typed into a cell as a number when it looks like
# one (a patent application number 201420563965.7, an ID number), as a double; calamine hands that on
# and fastexcel writes it as text with 9 decimals, trailing zeros cut. Below 2**23 that is the number
# as typed (for up to 9 decimals: the double is within half a unit of the 9th decimal of it); from
# 2**23 on it may show the double's binary noise, 201420563965.700012207, while the 9-decimal text
# still reads back as the very same double, so its shortest round-trip form is what was typed
# (Excel and LibreOffice keep 15 significant digits of what is typed). An integer from 2**53 on cannot
# hold what was typed at all (an 18-digit ID number typed into a number cell: Excel shows 3.30106E+17,
# the last digits are gone); such a cell is given as Excel shows it, which validate.py quarantines in an
# identifier column (number_lost_digits). Whether a long digit string was a number cell or a text cell
# (an ID number typed as text, as it should be) only a second reading of the sheet tells
# (workbook_reader._number_cells, which takes as long as the first): it is made for the columns that hold
# such strings, and only then (a 2e5-row sheet of ID numbers typed as text reads in ~0.95 CPU-s instead
# of ~0.5).
_LONG_NUMBER = r"^-?[1-9][0-9]{6,}(?:\.[0-9]{0,8}[1-9])?$"  # fastexcel's text of a number from 1e6 on
EXACT_INTEGERS = 2**53  # doubles hold every integer below this, and no integer typed from it on


def numbers_as_typed(batch: pa.RecordBatch, number_cells: Callable[[list[str]], list[pa.Array]]) -> pa.RecordBatch:
    """The sheet's cells (as fastexcel writes them) with each number as typed: fractions in their shortest
    round-trip form, integers too long for a double as Excel shows them. `number_cells` tells, for some
    columns (named as in `batch`), which cells hold numbers (non-null) rather than text. Vectorised: a
    column costs a length check, and one regular expression over its cells of 9 characters or more."""
    import pyarrow.compute as pc  # not at the top: its import (0.06-0.09 s) stays off the main thread

    columns = list(batch.columns)
    long_integers: dict[int, pa.Array] = {}
    for i, column in enumerate(columns):
        wide = pc.fill_null(pc.greater_equal(pc.binary_length(column), 9), False)
        if not pc.any(wide).as_py():
            continue  # nothing of 9 characters or more: no number that needs another form
        long = pc.match_substring_regex(column.filter(wide), _LONG_NUMBER)  # the wide cells alone: a
        if not pc.any(long).as_py():  # column's header, not its 1e5 short values
            continue
        long = pc.replace_with_mask(pc.and_(wide, False), wide, long)
        fraction = pc.and_(long, pc.match_substring(column, "."))
        if pc.any(fraction).as_py():
            columns[i] = _fractions_as_typed(column, fraction)
        magnitude = pc.abs(pc.cast(pc.if_else(pc.and_not(long, fraction), column, None), pa.float64()))
        long = pc.fill_null(pc.greater_equal(magnitude, float(EXACT_INTEGERS)), False)
        if pc.any(long).as_py():
            long_integers[i] = long
    if long_integers:
        named = [batch.schema.names[i] for i in long_integers]
        for (i, long), numbers in zip(long_integers.items(), number_cells(named), strict=True):
            lost = pc.and_(long, pc.is_valid(numbers))
            if pc.any(lost).as_py():
                columns[i] = pc.replace_with_mask(columns[i], lost, _as_excel_shows(columns[i].filter(lost)))
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)


def _fractions_as_typed(column: pa.Array, noisy: pa.Array) -> pa.Array:
    """The `noisy` cells, the 9-decimal text of a double from 1e6 on, in the double's shortest round-trip
    form (Python's repr): 201420563965.700012207 → 201420563965.7. Arrow writes the shortest digits,
    from 1e10 on as 2.014205639657e+11; these are put back in positional form, per exponent (a fraction
    below 2**52 has more digits than its exponent, so the point falls inside them). A text cell of this
    exact form — more than 16 significant digits, no trailing zero — would be shortened alike; no one
    types such a text."""
    import pyarrow.compute as pc  # not at the top: its import (0.06-0.09 s) stays off the main thread

    shortest = pc.cast(pc.cast(column.filter(noisy), pa.float64()), pa.string())
    parts = pc.extract_regex(shortest, r"^(?P<sign>-?)(?P<lead>[0-9])\.(?P<rest>[0-9]+)e\+(?P<exp>[0-9]+)$")
    exponent = pc.cast(pc.struct_field(parts, "exp"), pa.int32())
    for e in pc.unique(exponent).drop_null().to_pylist():
        at = pc.fill_null(pc.equal(exponent, e), False)
        sign, lead, rest = (pc.struct_field(parts, f).filter(at) for f in ("sign", "lead", "rest"))
        positional = pc.binary_join_element_wise(sign, lead, pc.utf8_slice_codeunits(rest, 0, e), ".",
                                                 pc.utf8_slice_codeunits(rest, e), "")
        shortest = pc.replace_with_mask(shortest, at, positional)
    return pc.replace_with_mask(column, noisy, shortest)


def _as_excel_shows(cells: pa.Array) -> pa.Array:
    """Integers past 2**53 as Excel's General format shows them in a column of standard width: 3.30106E+17.
    Only cells that lost digits get here (their rows are quarantined), so a loop costs nothing that matters."""
    shown = (re.sub(r"\.?0+E", "E", f"{float(text):.5E}") for text in cells.to_pylist())
    return pa.array(shown, pa.string())
