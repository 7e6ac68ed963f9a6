"""Reading a composed YAML document node by node, so that every value keeps its line: a rules file's
error names the line to fix (RulesError), and each item lands with its source_line.

Numbers are read from the scalar's text as Decimals (`weight: 12.5` is Decimal('12.5'), never a float):
the checks on decimals and on the weights' sum are then exact."""
from __future__ import annotations

import difflib
from decimal import Decimal, InvalidOperation

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pipelines.errors import FileError

INT_TAG, FLOAT_TAG = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_SCALARS = yaml.constructor.SafeConstructor()  # YAML's forms of an integer: 1_000, 0x10, 0o17


class RulesError(FileError):
    """A rules file that cannot be used: the message names the file and the line (1-based) to fix."""

    def __init__(self, file: str, line: int, problem_zh: str, problem_en: str):
        self.line = line
        super().__init__(file, f"第 {line} 行：{problem_zh}", f"line {line}: {problem_en}",
                         "改正该行后重新保存，或重新运行 make refresh",
                         "correct that line, then save again or run `make refresh` again")


BOM = "\ufeff"
# libyaml: ~25x faster than the pure-Python loader (20 ms a file, a refresh reads one per year); its
# marks' line, column and character index are the same, but for a byte-order mark (not counted)
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose(text: str, file: str) -> Node | None:
    """The document's node tree; a YAML syntax error as a RulesError at its line. A mark's index is a
    character position in `text` without its byte-order mark, if it has one (with_weights edits the
    text there)."""
    try:
        return yaml.compose(text.removeprefix(BOM), Loader=LOADER)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = e.problem or e.context or ""
        raise RulesError(file, mark.line + 1 if mark else 1, f"YAML 语法错误（{problem}）",
                         f"YAML syntax error ({problem})") from None
    except yaml.YAMLError:  # a character YAML does not allow (ReaderError): its line found here, as
        # libyaml's position counts bytes and the pure-Python loader's characters
        bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
        raise RulesError(file, text.count("\n", 0, bad.start() if bad else 0) + 1, "文件含有 YAML 不允许的字符",
                         "the file holds a character YAML does not allow") from None


def decode(data: bytes, file: str) -> str:
    """A rules file's bytes as text: UTF-8 (with or without a byte-order mark), else an error at the
    line of the first byte that is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise RulesError(file, data.count(b"\n", 0, e.start) + 1, "文件不是 UTF-8 编码（请另存为 UTF-8）",
                         "the file is not UTF-8 (save it as UTF-8)") from None


def line(node: Node) -> int:
    return node.start_mark.line + 1


class Reader:
    """Raises each problem as a RulesError of one file, at a node's line."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, node: Node | int, problem_zh: str, problem_en: str):
        raise RulesError(self.file, node if isinstance(node, int) else line(node), problem_zh, problem_en)

    def mapping(self, node: Node, what_zh: str, what_en: str) -> Mapping:
        if not isinstance(node, MappingNode):
            self.fail(node, f"{what_zh}应为「键: 值」的映射", f"{what_en} should be a mapping of key: value")
        return Mapping(self, node)

    def sequence(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            self.fail(node, f"{what} 应为列表（每项以「- 」开头）", f"{what} should be a list (items starting with '- ')")
        return list(node.value)

    def text(self, node: Node, what: str) -> str:
        if not isinstance(node, ScalarNode) or node.tag == "tag:yaml.org,2002:null" or not node.value.strip():
            self.fail(node, f"{what} 应为非空文字", f"{what} should be a text, not empty")
        return node.value.strip()

    def code(self, node: Node, what: str | tuple[str, str], allowed: tuple[str, ...],
             listing: tuple[str, str] | None = None) -> str:
        """One of `allowed`; `what` names it (a key, or its names in Chinese and English), `listing` says
        where the allowed codes are listed when they are too many to name in the message."""
        what_zh, what_en = (what, what) if isinstance(what, str) else what
        value = node.value if isinstance(node, ScalarNode) else None
        if value not in allowed:
            zh, en = (value, value) if value is not None else ("（列表或映射）", "(a list or mapping)")
            listing_zh, listing_en = listing or ("、".join(allowed), ", ".join(allowed))
            self.fail(node, f"未知的{what_zh}：{zh}{_hint(value, allowed, 'zh')}；可用：{listing_zh}",
                      f"unknown {what_en} '{en}'{_hint(value, allowed, 'en')}; allowed: {listing_en}")
        return value

    def codes(self, node: Node, what: str | tuple[str, str], allowed: tuple[str, ...]) -> list[str]:
        """A list of codes; a single code is a list of one."""
        items = node.value if isinstance(node, SequenceNode) else [node]
        if not items:
            self.fail(node, "列表为空（不限时请删去该键）", "the list is empty (remove the key for any)")
        return [self.code(item, what, allowed) for item in items]

    def number(self, node: Node, what: str, decimals: int) -> Decimal:
        """A number of at most `decimals` decimal places, exactly as written."""
        value = None
        if isinstance(node, ScalarNode) and node.tag in (INT_TAG, FLOAT_TAG):
            try:
                value = (Decimal(_SCALARS.construct_yaml_int(node)) if node.tag == INT_TAG
                         else Decimal(node.value.replace("_", "")))
            except (InvalidOperation, ValueError):
                value = None
        if value is None or not value.is_finite():
            self.fail(node, f"{what} 应为数字", f"{what} should be a number")
        if value.as_tuple().exponent < -decimals:
            self.fail(node, f"{what} {node.value} 的小数超过 {decimals} 位", f"{what} {node.value} has more than {decimals} decimals")
        if abs(value) >= 10 ** 5:
            self.fail(node, f"{what} {node.value} 过大", f"{what} {node.value} is too large")
        return value

    def integer(self, node: Node, what: str) -> int:
        if not isinstance(node, ScalarNode) or node.tag != INT_TAG or not node.value.isdigit():
            self.fail(node, f"{what} 应为整数", f"{what} should be a whole number")
        return int(node.value)


class Mapping:
    """A mapping's keys, each once, with its key node (for the key's line) and its value node."""

    def __init__(self, reader: Reader, node: MappingNode):
        self.reader, self.node = reader, node
        self.keys: dict[str, Node] = {}
        self.values: dict[str, Node] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, ScalarNode) else None
            if name is None:
                reader.fail(key, "键应为文字", "a key should be a text")
            if name in self.keys:
                reader.fail(key, f"键 {name} 重复（第 {line(self.keys[name])} 行已有）",
                            f"the key '{name}' is repeated (already on line {line(self.keys[name])})")
            self.keys[name], self.values[name] = key, value

    def known(self, allowed: tuple[str, ...], where_zh: str, where_en: str) -> Mapping:
        """Every key is one of `allowed`: another is a typo, named with the nearest allowed key."""
        for name, key in self.keys.items():
            if name not in allowed:
                self.reader.fail(key, f"{where_zh}中有未知的键 {name}{_hint(name, allowed, 'zh')}；此处可用：{'、'.join(allowed)}",
                                 f"unknown key '{name}' in {where_en}{_hint(name, allowed, 'en')}; allowed here: {', '.join(allowed)}")
        return self

    def applies(self, allowed: tuple[str, ...], context_zh: str, context_en: str) -> None:
        """Every key applies here: a key of the same kind of entry that another method or kind uses is
        named as such, not as a typo."""
        for name, key in self.keys.items():
            if name not in allowed:
                self.reader.fail(key, f"键 {name} 不适用于{context_zh}", f"the key '{name}' does not apply to {context_en}")

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def get(self, name: str) -> Node | None:
        return self.values.get(name)

    def need(self, name: str, what_zh: str, what_en: str) -> Node:
        if name not in self.values:
            self.reader.fail(self.node, f"{what_zh}缺少 {name}", f"{what_en} has no '{name}'")
        return self.values[name]


def _hint(value: str | None, allowed: tuple[str, ...], lang: str) -> str:
    near = difflib.get_close_matches(value, allowed, n=1) if isinstance(value, str) else []
    if not near:
        return ""
    return f"（是否应为 {near[0]}？）" if lang == "zh" else f" (did you mean '{near[0]}'?)"
