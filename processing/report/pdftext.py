"""Make CJK text in a PDF written by Qt findable and copyable as the characters a person types.

Qt's PDF writer builds each font's ToUnicode map by asking, for every code point from U+0000 up, which glyph the
font draws it with, and keeps the first code point found for each glyph. Noto Sans CJK (and other CJK fonts) draw
the Kangxi radicals (U+2F00–U+2FD5) and the CJK radicals supplement (U+2E80–U+2EF3) with the very glyphs of the
ideographs they look like, and those blocks come before the ideographs: 青 is then written as ⻘ (U+2EE5), 水 as
⽔ (U+2F54), 一 as ⼀ (U+2F00). The PDF looks right, but a reader's search for 青溪镇 finds nothing.

The fix rewrites, in the PDF's ToUnicode maps, every radical destination to the ideograph drawn with the same
glyph: the Unicode compatibility decomposition for the Kangxi radicals, and the font's own glyph table for the
supplement. Each destination is a four-digit hex code in both cases, so the file is patched in place, byte for
byte the same length: no offset, no cross-reference table and no incremental update (GDAL's georeferencing)
changes. Compressed maps (not what Qt writes) are left as they are.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_TOUNICODE = re.compile(rb"/ToUnicode\s+(\d+)\s+(\d+)\s+R")
_HEX4 = re.compile(rb"<([0-9A-Fa-f]{4})>")
KANGXI = range(0x2F00, 0x2FD6)
SUPPLEMENT = range(0x2E80, 0x2F00)
UNIFIED = range(0x4E00, 0xA000)


@functools.lru_cache(maxsize=4)
def radical_map(family: str = "") -> dict[int, int]:
    """Radical code point → the ideograph drawn with the same glyph."""
    mapping: dict[int, int] = {}
    for cp in KANGXI:
        folded = unicodedata.normalize("NFKC", chr(cp))
        if len(folded) == 1 and ord(folded) in UNIFIED:
            mapping[cp] = ord(folded)
    for cp in SUPPLEMENT:
        folded = unicodedata.normalize("NFKC", chr(cp))
        if len(folded) == 1 and ord(folded) in UNIFIED:
            mapping[cp] = ord(folded)
    if family:
        from qgis.PyQt.QtGui import QFont, QRawFont

        raw = QRawFont.fromFont(QFont(family))
        if raw.isValid():
            glyphs = raw.glyphIndexesForString("".join(chr(c) for c in UNIFIED))
            first: dict[int, int] = {}
            for cp, glyph in zip(UNIFIED, glyphs):
                if glyph and glyph not in first:
                    first[glyph] = cp
            for cp in SUPPLEMENT:
                if cp in mapping:
                    continue
                glyph = raw.glyphIndexesForString(chr(cp))
                if glyph and glyph[0] in first:
                    mapping[cp] = first[glyph[0]]
    return mapping


def _object_streams(data: bytes, number: bytes, generation: bytes):
    """(start, end) of the stream data of every definition of object ``number generation``."""
    for match in re.finditer(rb"(?<![0-9])" + number + rb"\s+" + generation + rb"\s+obj\b", data):
        start = data.find(b"stream", match.end())
        end_obj = data.find(b"endobj", match.end())
        if start < 0 or (0 <= end_obj < start):
            continue
        header = data[match.end() : start]
        if b"/Filter" in header:
            continue  # compressed: not Qt's layout, left alone
        body = start + len(b"stream")
        if data[body : body + 2] == b"\r\n":
            body += 2
        elif data[body : body + 1] in (b"\n", b"\r"):
            body += 1
        stop = data.find(b"endstream", body)
        if stop > 0:
            yield body, stop


def remap_cmap(text: bytes, mapping: dict[int, int]) -> bytes:
    """The CMap with radical destinations replaced (same length). Source codes and ranges with a start
    destination that is incremented (``<lo> <hi> <dst>`` with lo < hi) are never touched."""

    def dest(match):
        code = int(match.group(1), 16)
        return b"<%04X>" % mapping[code] if code in mapping else match.group(0)

    out = []
    section = b""
    for line in text.split(b"\n"):
        stripped = line.strip()
        if stripped.endswith(b"beginbfchar"):
            section = b"char"
        elif stripped.endswith(b"beginbfrange"):
            section = b"range"
        elif stripped in (b"endbfchar", b"endbfrange"):
            section = b""
        elif section == b"char":
            tokens = list(_HEX4.finditer(line))
            if len(tokens) == 2:
                second = tokens[1]
                line = line[: second.start()] + _HEX4.sub(dest, line[second.start() : second.end()]) + line[second.end() :]
        elif section == b"range" and b"[" in line:
            open_at = line.index(b"[")
            line = line[:open_at] + _HEX4.sub(dest, line[open_at:])
        elif section == b"range":
            tokens = list(_HEX4.finditer(line))
            if len(tokens) == 3 and tokens[0].group(1).upper() == tokens[1].group(1).upper():
                third = tokens[2]
                line = line[: third.start()] + _HEX4.sub(dest, line[third.start() : third.end()]) + line[third.end() :]
        out.append(line)
    return b"\n".join(out)


def fix_cjk_text(path: str, family: str | None = None) -> int:
    """Patch the ToUnicode maps of the PDF at ``path`` in place; returns the number of maps changed."""
    if family is None:
        from .layout import map_font_family

        family = map_font_family()
    mapping = radical_map(family or "")
    with open(path, "rb") as handle:
        data = bytearray(handle.read())
    changed = 0
    for number, generation in set(_TOUNICODE.findall(bytes(data))):
        for start, stop in list(_object_streams(bytes(data), number, generation)):
            old = bytes(data[start:stop])
            new = remap_cmap(old, mapping)
            if new != old:
                assert len(new) == len(old)
                data[start:stop] = new
                changed += 1
    if changed:
        with open(path, "r+b") as handle:
            handle.write(bytes(data))
    return changed
