"""One template workbook: a data sheet headed as the ingest recognises (the contract's first aliases), each
column formatted and validated, the English name and rule in each header's note; then a sheet of
instructions — each column's rule in Chinese and English, the key, the row rules, an example row and the
dropdowns' lists.

The ingest reads every visible sheet that has a header naming the dataset's required columns, so
nothing but the data sheet may have one: the instructions list the columns one per row (never a row of
headers), the example row is headed 【示例】<header> (a header no contract knows) and the lists 【可选值】…
A second header row of English names below the Chinese one would be read as a data row, hence the notes.
Validation is a help, not the check: a paste skips it, and the ingest checks every cell again."""
from __future__ import annotations

import io
from datetime import date, datetime

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from pipelines.contracts import Contract
from pipelines.templates.columns import DATE, TemplateColumn, key_text, rule_text, template_columns
from pipelines.templates.examples import EXAMPLES
from pipelines.templates.register import Institute

INSTRUCTIONS = "说明 Instructions"
LAST_ROW = 1_048_575  # validations and formats reach the sheet's last row: no row is left unchecked
INLINE_LIST_CHARS = 255  # Excel's limit for a list typed into the validation; longer lists are ranges
PROMPT_CHARS, TITLE_CHARS = 255, 32
FALLBACK_NAME = EXAMPLES["institutes"]["name_zh"]


def build_workbook(contract: Contract, register: list[Institute], institute: Institute | None = None) -> bytes:
    """The template of `contract` as .xlsx bytes; for `institute`, with its name filled in and the only one
    its institute column takes."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"title": f"{contract.title_zh} 填报模板 / {contract.dataset} template", "author": "Touyan"})
    columns = template_columns(contract)
    data = book.add_worksheet(contract.title_zh)
    notes = book.add_worksheet(INSTRUCTIONS)
    lists = _Instructions(book, notes, contract, columns, register, institute).write()
    _data_sheet(book, data, contract, columns, lists, register, institute)
    book.close()
    return out.getvalue()


def own_values(contract: Contract, institute: Institute | None) -> dict[str, tuple[str, bool]]:
    """Column → (the value an institute's template is filled with, whether the column takes only it)."""
    if institute is None:
        return {}
    if contract.dataset == "institutes":
        return {"institute_id": (institute.institute_id, True), "name_zh": (institute.name_zh, False)}
    return {c.name: (institute.name_zh, True) for c in contract.columns if c.kind == "institute"}


def _data_sheet(book, sheet, contract: Contract, columns: list[TemplateColumn], lists: dict[str, str],
                register: list[Institute], institute: Institute | None) -> None:
    head = {"bold": True, "border": 1, "align": "center", "valign": "vcenter", "num_format": "@"}
    required = book.add_format({**head, "bg_color": "#F8CBAD"})
    optional = book.add_format({**head, "bg_color": "#DDEBF7"})
    own = own_values(contract, institute)
    for c, col in enumerate(columns):
        cell_format = book.add_format({"num_format": col.number_format})
        sheet.set_column(c, c, _width(col), cell_format)
        sheet.write_string(0, c, col.header, required if col.column.required else optional)
        sheet.write_comment(0, c, f"{col.name_en} ({col.column.name})\n{col.rule_en}\n{col.rule_zh}",
                            {"author": "Touyan", "x_scale": 2.4, "y_scale": 2})
        validation = _validation(col, lists, _listed(col, register, institute), own.get(col.column.name))
        sheet.data_validation(1, c, LAST_ROW, c, validation)
        if col.column.name in own:
            sheet.write_string(1, c, own[col.column.name][0], cell_format)
    sheet.set_row(0, 22)
    sheet.freeze_panes(1, 0)
    # printed for checking before sending: landscape, every column on one page's width, the headers on each page
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)


def _listed(col: TemplateColumn, register: list[Institute], institute: Institute | None) -> tuple[str, ...]:
    """A dropdown's items: the values the contract enumerates; the register's institutes; in a template for
    an institute, its own units (in a template for everyone a unit is typed: whose units would it list?)."""
    if col.labels:
        return col.labels
    if col.column.kind == "institute":
        return tuple(i.name_zh for i in register)
    if col.column.kind == "unit" and institute:
        return institute.units
    return ()


def _validation(col: TemplateColumn, lists: dict[str, str], labels: tuple[str, ...],
                own: tuple[str, bool] | None) -> dict:
    """The cell check of a column, with its rule as the prompt shown on selecting a cell."""
    column = col.column
    prompt = {"input_title": _cut(f"{col.header} {col.name_en}", TITLE_CHARS),
              "input_message": _cut(f"{col.rule_zh}\n{col.rule_en}", PROMPT_CHARS)}
    stop = {"error_type": "stop", "error_title": "不能填写此值 / Not accepted"}
    if own and own[1]:
        return {"validate": "list", "source": [own[0]], **prompt, **stop,
                "error_message": f"本模板只用于 {own[0]}。\nThis template is for {own[0]} only."}
    if labels:
        # a comma or quote would split an item of a list typed into the validation: such lists are ranges
        inline = sum(len(label) + 1 for label in labels) <= INLINE_LIST_CHARS \
            and not any("," in label or '"' in label for label in labels)
        source = list(labels) if inline else lists[column.name]
        if column.kind == "institute":  # an id or a registered short name is accepted too
            return {"validate": "list", "source": source, **prompt, "error_type": "warning",
                    "error_title": "不在名录中？/ Not in the register?",
                    "error_message": "列表为机构名录中的全称；机构代码或登记的简称也可接收。\n"
                                     "The list holds the register's full names; a code or registered short name "
                                     "is accepted too."}
        if column.kind == "unit":  # as an institute: a code or registered short name is accepted too
            return {"validate": "list", "source": source, **prompt, "error_type": "warning",
                    "error_title": "不在名录中？/ Not in the register?",
                    "error_message": "列表为本单位内设机构名录中的部门名称；部门代码或登记的简称也可接收。\n"
                                     "The list holds the names in the institute's units register; a unit code or "
                                     "registered short name is accepted too."}
        return {"validate": "list", "source": source, **prompt, **stop,
                "error_message": "请从下拉列表中选择。\nChoose a value from the list."}
    ranges = {"count": ("integer", 0, None), "year": ("integer", 1900, "=YEAR(TODAY())" if column.not_future else 2100),
              "decimal": ("decimal", 0, None), "date": ("date", date(1900, 1, 1),
                                                         "=TODAY()" if column.not_future else date(2100, 12, 31))}
    if column.kind not in ranges:
        return {"validate": "any", **prompt}
    kind, low, high = ranges[column.kind]
    # a warning where the ingest accepts text too: 20余 in a count, 3.5小时, 2024年3月15日
    lenient = column.kind in ("decimal", "date") or column.qualifier is not None
    limits = {"criteria": ">=", "value": low} if high is None else \
        {"criteria": "between", "minimum": low, "maximum": high}
    return {"validate": kind, **limits, **prompt, "error_type": "warning" if lenient else "stop",
            "error_title": "请核对 / Please check", "error_message": _cut(f"{col.rule_zh}\n{col.rule_en}", PROMPT_CHARS)}


def _width(col: TemplateColumn) -> int:
    if col.column.kind in ("text", "ip_number", "std_number", "institute", "unit", "reference", "doi"):
        return 28
    return max(12, 2 * len(col.header) + 4)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Instructions:
    """The instructions sheet, written top to bottom; `write` returns the ranges of the lists a data
    validation refers to."""

    def __init__(self, book, sheet, contract: Contract, columns: list[TemplateColumn],
                 register: list[Institute], institute: Institute | None):
        self.book, self.sheet, self.contract, self.columns = book, sheet, contract, columns
        self.register, self.institute = register, institute
        self.wrap = book.add_format({"text_wrap": True, "valign": "top", "num_format": "@"})
        self.bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7",
                                     "border": 1, "num_format": "@"})
        self.row = 0

    def line(self, zh: str, en: str = "", fmt=None) -> None:
        self.sheet.merge_range(self.row, 0, self.row, 6, f"{zh}\n{en}" if en else zh, fmt or self.wrap)
        lines = -(-len(zh) // 70) + (-(-len(en) // 130) if en else 0)  # the merged cell is ~70 CJK characters wide
        self.sheet.set_row(self.row, 16 * lines + 4)
        self.row += 1

    def table_row(self, cells: list, fmt=None) -> None:
        for c, value in enumerate(cells):
            self.sheet.write_string(self.row, c, value, fmt or self.wrap)
        self.row += 1

    def write(self) -> dict[str, str]:
        s, contract = self.sheet, self.contract
        for c, width in enumerate((16, 22, 10, 10, 48, 48, 26)):
            s.set_column(c, c, width)
        title = self.book.add_format({"bold": True, "font_size": 14})
        s.write_string(0, 0, f"{contract.title_zh} 填报说明 / {contract.dataset}: instructions", title)
        self.row = 2
        self.line(f"请在工作表「{contract.title_zh}」中填写，每行一条记录；不要修改、删除或移动表头，不要合并单元格。"
                  "本工作表只作说明，报送时不会被读取。",
                  f"Fill the sheet {contract.title_zh}, one record per row; keep its header as it is (no renamed, "
                  "deleted or moved headers, no merged cells). This sheet is not read.")
        self.line("表头为红色的列必填，蓝色的列选填。粘贴的内容不经下拉列表检查：报送时每个单元格都会重新检查。",
                  "Red headers: required columns; blue: optional. Pasted cells skip the dropdown checks: every cell "
                  "is checked again when the file is submitted.")
        self.line(*key_text(contract))
        if contract.whole_register:
            self.line(f"本表报送本单位完整的{contract.title_zh}：请列出全部条目，已撤销的也保留并填写撤销年份。审核通过后，"
                      "它即是本单位的现行名录，取代此前报送的文件和名录；不在其中的部门，其数据在下次更新时不予接收。",
                      "This sheet is the institute's whole register: list every entry, closed ones too with the year "
                      "they closed. Once accepted it is the institute's register, in place of any earlier file or "
                      "submission; rows naming a unit it does not have are quarantined at the next refresh.")
        if contract.total_columns:
            headers = "、".join(contract.column(n).aliases[0] for n in contract.total_columns)
            self.line(f"可在末行写「合计」：其{headers}须等于上方各行之和（不一致时给出警告），合计行不计入数据。",
                      "A last row headed 合计 (total) may follow; its totals must equal the sum of the rows above "
                      "(a warning otherwise) and it is not counted as data.")
        if self.institute:
            self.line(f"本模板为「{self.institute.name_zh}」（{self.institute.institute_id}）生成：单位只能填写本单位；"
                      "第 2 行已填好，其余各行请从下拉列表选择或向下复制。",
                      f"This template is for {self.institute.name_zh} ({self.institute.institute_id}) only: row 2 has "
                      "its name; pick it from the dropdown, or copy it down, for the other rows.")
        self.row += 1
        self.table_row(["列名", "Column", "必填 Required", "格式 Format", "规则", "Rule", "示例 Example"], self.bold)
        example = self.example()
        for col in self.columns:
            self.table_row([col.header, f"{col.name_en} ({col.column.name})",
                            "必填 yes" if col.column.required else "选填 no", _format_name(col.number_format),
                            col.rule_zh, col.rule_en, _shown(example.get(col.column.name))])
        if contract.rules:
            self.row += 1
            self.table_row(["行规则", "Row rules", "", "", "规则（〈〉内为该列的值）", "Rule (<> holds the column's value)",
                            "后果 Outcome"], self.bold)
            for rule in contract.rules:
                zh_sev, en_sev, zh, en = rule_text(contract, rule)
                self.table_row([rule.code, contract.column(rule.column).aliases[0], "", "", zh, en, f"{zh_sev}\n{en_sev}"])
        self.row += 1
        self.line("示例行（只作示范，不计入报送；请勿复制其表头）",
                  "Example row (for illustration only, not submitted; do not copy its header)", self.bold)
        self.example_row(example)
        self.row += 1
        return self.lists()

    def example(self) -> dict[str, object]:
        example = dict(EXAMPLES[self.contract.dataset])
        name = self.institute.name_zh if self.institute else self.register[0].name_zh if self.register else FALLBACK_NAME
        for c in self.contract.columns:
            if c.kind == "institute":
                example[c.name] = name
        return example

    def example_row(self, example: dict[str, object]) -> None:
        date_format = self.book.add_format({"num_format": DATE, "bg_color": "#FFF2CC"})
        text_format = self.book.add_format({"num_format": "@", "bg_color": "#FFF2CC"})
        plain_format = self.book.add_format({"bg_color": "#FFF2CC"})
        for c, col in enumerate(self.columns):
            self.sheet.write_string(self.row, c, f"【示例】{col.header}", self.bold)
            value = example.get(col.column.name)
            if isinstance(value, date):
                self.sheet.write_datetime(self.row + 1, c, datetime(value.year, value.month, value.day), date_format)
            elif isinstance(value, int | float):
                self.sheet.write_number(self.row + 1, c, value, plain_format)
            elif value is not None:
                self.sheet.write_string(self.row + 1, c, str(value), text_format)
        self.row += 2

    def lists(self) -> dict[str, str]:
        """The dropdowns' lists under 【可选值】<header>, each in its column's position; column → range."""
        listed = {}
        for c, col in enumerate(self.columns):
            labels = _listed(col, self.register, self.institute)
            if labels and col.column.name not in own_values(self.contract, self.institute):
                listed[c] = (col, labels)
        if not listed:
            return {}
        self.line("下拉列表的可选值", "The dropdown lists' values", self.bold)
        ranges = {}
        for c, (col, labels) in listed.items():
            self.sheet.write_string(self.row, c, f"【可选值】{col.header}", self.bold)
            for k, label in enumerate(labels, start=1):
                self.sheet.write_string(self.row + k, c, label, self.wrap)
            first, last = (xl_rowcol_to_cell(self.row + k, c, row_abs=True, col_abs=True) for k in (1, len(labels)))
            ranges[col.column.name] = f"='{INSTRUCTIONS}'!{first}:{last}"
        self.row += 1 + max(len(labels) for _, labels in listed.values())
        return ranges


def _format_name(number_format: str) -> str:
    return {"@": "文本 Text", "0": "整数 Integer", DATE: "日期 Date"}.get(number_format, "数字 Number")


def _shown(value: object) -> str:
    return "" if value is None else value.isoformat() if isinstance(value, date) else str(value)
