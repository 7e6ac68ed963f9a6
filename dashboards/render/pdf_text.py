"""Chromium's PDFs with a text layer that copies and searches as Chinese (`fix_pdf_text_layer`)."""
from __future__ import annotations

import re
import unicodedata
import zlib

# Noto CJK draws many ideographs with the glyph of a look-alike radical (立 and KANGXI RADICAL STAND
# U+2F74 share one glyph). Chromium's PDF maps each glyph back to the lowest code point that uses it,
# so copying or searching "新立项项目数" in the PDF fails: the text layer holds "新⽴项项⽬数". The
# ToUnicode maps are rewritten to the ideographs: Kangxi radicals by NFKC, CJK Radicals Supplement
# (and ⼾, whose NFKC is 戶 while the glyph is 户) by the pairs that share a glyph in Noto Sans CJK SC.
_SUPPLEMENT = ("⺂乛⺃乚⺅亻⺇𠘨⺉刂⺋㔾⺍𭕄⺏尣⺐尢⺒巳⺓幺⺔彑⺕彐⺖忄⺘扌⺙攵⺛旡⺞歺⺠民⺡氵⺣灬⺤爫⺦丬⺨犭"
               "⺩𤣩⺭礻⺮𥫗⺯糹⺰纟⺱罓⺳㓁⺹耂⺺肀⺽𦥑⺾艹⻂衤⻅见⻆角⻇𧢲⻈讠⻉贝⻊𧾷⻋车⻌辶⻐钅⻑長⻒镸⻓长⻔门"
               "⻕𨸏⻖阝⻘青⻙韦⻚页⻛风⻜飞⻝食⻞𩙿⻟飠⻠饣⻡𩠐⻢马⻣骨⻤鬼⻥鱼⻦鸟⻧卤⻨麦⻩黄⻪黾⻫斉⻬齐⻮齿⻯竜⻰龙"
               "⻱龜⻲亀⼾户")
RADICAL_TO_IDEOGRAPH = {
    **{cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)},
    **{ord(radical): ideograph for radical, ideograph in zip(_SUPPLEMENT[::2], _SUPPLEMENT[1::2], strict=True)},
}
_TO_UNICODE_REF = re.compile(rb"/ToUnicode (\d+) 0 R")
_CMAP_BLOCK = re.compile(rb"(\d+) begin(bfchar|bfrange)(.*?)end\2", re.S)
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")
_BFRANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])")
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_XREF_SUBSECTION = re.compile(rb"(\d+) (\d+)[ \t]*\r?\n")
_TRAILER = re.compile(rb"\s*trailer\s*<<((?:[^<>]|<[0-9A-Fa-f]*>)*)>>")
_STREAM_OBJECT = re.compile(rb"(\d+) 0 obj\s*<<([^<>]*)>>\s*stream\r?\n")
_FLATE_STREAM = re.compile(rb"\s*(?:/Filter\s*/FlateDecode\s*)?/Length (\d+)\s*(?:/Filter\s*/FlateDecode\s*)?")


def fix_pdf_text_layer(pdf: bytes) -> bytes:
    """`pdf` with its ToUnicode maps pointing at ideographs instead of radicals, as an incremental
    update (the original bytes stay as they are). A file laid out otherwise than Chromium's (no
    classic cross-reference table, indirect lengths, other filters) is returned unchanged."""
    xref = _read_xref(pdf)
    if xref is None:
        return pdf
    offsets, trailer, xref_at = xref
    updates = {}
    for number in sorted({int(n) for n in _TO_UNICODE_REF.findall(pdf)}):
        obj = _STREAM_OBJECT.match(pdf, offsets.get(number, len(pdf)))
        length = obj and int(obj.group(1)) == number and _FLATE_STREAM.fullmatch(obj.group(2))
        if not length:
            return pdf
        raw = pdf[obj.end():obj.end() + int(length.group(1))]
        try:
            cmap = zlib.decompress(raw) if b"FlateDecode" in obj.group(2) else raw
        except zlib.error:
            return pdf
        fixed = _fix_cmap(cmap)
        if fixed != cmap:
            updates[number] = fixed
    if not updates:
        return pdf

    out = bytearray(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    new_offsets = {}
    for number, cmap in updates.items():
        body = zlib.compress(cmap)
        new_offsets[number] = len(out)
        out += b"%d 0 obj\n<</Filter /FlateDecode /Length %d>>\nstream\n" % (number, len(body))
        out += body + b"\nendstream\nendobj\n"
    new_xref_at = len(out)
    out += b"xref\n" + b"".join(b"%d 1\n%010d 00000 n \n" % (n, new_offsets[n]) for n in sorted(new_offsets))
    kept = re.sub(rb"/Prev\s+\d+", b"", trailer).strip()
    out += b"trailer\n<<%s\n/Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (kept, xref_at, new_xref_at)
    return bytes(out)


def _read_xref(pdf: bytes) -> tuple[dict[int, int], bytes, int] | None:
    """Offsets of the objects in use, the newest trailer dictionary and the offset of the newest
    cross-reference table; None unless every section is a classic table."""
    end = _STARTXREF.search(pdf, max(0, len(pdf) - 64))
    if end is None:
        return None
    offsets: dict[int, int] = {}
    newest_trailer = None
    position: int | None = int(end.group(1))
    seen = set()
    while position is not None and position not in seen:
        seen.add(position)
        if not pdf.startswith(b"xref", position):
            return None
        position += 4
        while pdf[position:position + 1] in (b"\r", b"\n", b" "):
            position += 1
        while section := _XREF_SUBSECTION.match(pdf, position):
            first, count = int(section.group(1)), int(section.group(2))
            entries = pdf[section.end():section.end() + 20 * count]
            for i in range(count):
                entry = entries[20 * i:20 * i + 20]
                if entry[17:18] == b"n":
                    offsets.setdefault(first + i, int(entry[:10]))
            position = section.end() + 20 * count
        trailer = _TRAILER.match(pdf, position)
        if trailer is None:
            return None
        newest_trailer = newest_trailer or trailer.group(1)
        previous = re.search(rb"/Prev\s+(\d+)", trailer.group(1))
        position = int(previous.group(1)) if previous else None
    return offsets, newest_trailer, int(end.group(1))


def _fix_cmap(cmap: bytes) -> bytes:
    """The CMap with radical targets replaced; unchanged bytes when there is nothing to replace."""
    blocks = list(_CMAP_BLOCK.finditer(cmap))
    if not blocks:
        return cmap
    mapping: dict[bytes, str] = {}
    for block in blocks:
        if block.group(2) == b"bfchar":
            for code, target in _BFCHAR.findall(block.group(3)):
                mapping[code] = _utf16(target)
            continue
        for low, high, target in _BFRANGE.findall(block.group(3)):
            width, first, last = len(low), int(low, 16), int(high, 16)
            targets = re.findall(rb"<([0-9A-Fa-f]*)>", target)
            for i in range(last - first + 1):
                code = b"%0*X" % (width, first + i)
                if target.startswith(b"["):
                    mapping[code] = _utf16(targets[i]) if i < len(targets) else ""
                else:
                    units = bytearray(bytes.fromhex(targets[0].decode()))
                    units[-2:] = (int.from_bytes(units[-2:], "big") + i).to_bytes(2, "big")
                    mapping[code] = units.decode("utf-16-be", errors="surrogatepass")
    fixed = {code: text.translate(RADICAL_TO_IDEOGRAPH) for code, text in mapping.items()}
    if fixed == mapping:
        return cmap
    items = sorted(fixed.items(), key=lambda item: int(item[0], 16))
    body = b"".join(
        b"%d beginbfchar\n" % len(chunk)
        + b"".join(b"<%s> <%s>\n" % (code, text.encode("utf-16-be", errors="surrogatepass").hex().upper().encode())
                   for code, text in chunk)
        + b"endbfchar\n"
        for chunk in (items[i:i + 100] for i in range(0, len(items), 100))
    )
    return cmap[:blocks[0].start()] + body + cmap[blocks[-1].end():].lstrip(b"\n")


def _utf16(hex_text: bytes) -> str:
    return bytes.fromhex(hex_text.decode()).decode("utf-16-be", errors="surrogatepass")
