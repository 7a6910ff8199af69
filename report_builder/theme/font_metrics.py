"""Text widths from a TrueType font's own tables, so charts are laid out (and sized) without importing Matplotlib;
also the first check of a template's font, before any library decodes its character map."""
from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from report_builder.errors import Problem, TemplateError

LAST_CODE_POINT = 0x10FFFF


@dataclass(frozen=True)
class FontMetrics:
    """What laying out one line needs: advance widths, the character map and the pair kerning FreeType applies."""

    units_per_em: int
    advances: tuple[int, ...]  #: by glyph index
    cmap: dict[int, int]  #: code point -> glyph index; a missing character draws glyph 0 (.notdef)
    kerning: dict[tuple[int, int], int]

    def width(self, text: str, size: float) -> float:
        """Width in inches of one line at size pt: the sum of advances plus kerning, as Matplotlib sets it."""
        advances, cmap, kerning = self.advances, self.cmap, self.kerning
        total = 0
        previous = None
        last = len(advances) - 1
        for char in text:
            glyph = cmap.get(ord(char), 0)
            total += advances[min(glyph, last)]
            if previous is not None and kerning:
                total += kerning.get((previous, glyph), 0)
            previous = glyph
        return total * size / self.units_per_em / 72


@lru_cache(maxsize=16)
def font_metrics(path: str, sha256: str) -> FontMetrics:
    """Parse once per font file; sha256 is part of the cache key so an edited font is read again.

    A table this reader cannot follow (a character map FreeType and fontTools let pass) is the template's
    error, named at the font file, never an internal one."""
    try:
        return parse_metrics(Path(path).read_bytes())
    except UNREADABLE as exc:
        message = (f"the font's tables cannot be read to lay out the charts ({type(exc).__name__}: {exc}); "
                   "the file is damaged: export or download it again")
        problem = Problem(Path(path), None, None, "", message)
        raise TemplateError(f"template font {Path(path).name}: 1 error(s)", [problem]) from None


UNREADABLE = (struct.error, IndexError, KeyError, ValueError, OverflowError)  #: what parse_metrics raises on a bad font


def parse_metrics(data: bytes) -> FontMetrics:
    count = struct.unpack_from(">H", data, 4)[0]
    tables = {}
    for i in range(count):
        tag, _, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        tables[tag.decode("latin-1")] = (offset, length)
    head = tables["head"][0]
    units = struct.unpack_from(">H", data, head + 18)[0]
    glyphs = struct.unpack_from(">H", data, tables["maxp"][0] + 4)[0]
    metrics = struct.unpack_from(">H", data, tables["hhea"][0] + 34)[0]
    hmtx = tables["hmtx"][0]
    advances = list(struct.unpack_from(f">{2 * metrics}H", data, hmtx)[::2])  # (advance, left side bearing) pairs
    advances += [advances[-1]] * max(0, glyphs - metrics)  # monospaced tail: the last advance repeats
    return FontMetrics(units, tuple(advances), _cmap(data, tables["cmap"][0]), _kern(data, tables.get("kern")))


def _cmap(data: bytes, base: int) -> dict[int, int]:
    """The Unicode subtable FreeType selects: full repertoire (format 12) first, else the BMP (format 4)."""
    count = struct.unpack_from(">H", data, base + 2)[0]
    found: dict[int, int] = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, base + 4 + 8 * i)
        fmt = struct.unpack_from(">H", data, base + offset)[0]
        unicode = platform == 0 or (platform == 3 and encoding in (1, 10))
        if unicode and fmt in (4, 12):
            found.setdefault(fmt, base + offset)
    if 12 in found:
        at = found[12]
        groups = struct.unpack_from(">I", data, at + 12)[0]
        cmap: dict[int, int] = {}
        read = 0
        for start, end, glyph in struct.iter_unpack(">III", data[at + 16: at + 16 + 12 * groups]):
            if end > LAST_CODE_POINT:  # ReportLab would read such a range to its end, for minutes
                raise ValueError(f"a character map range ends at U+{end:X}, past the last Unicode character")
            if end >= start:
                read = _counted(read, end - start + 1)
                cmap.update(zip(range(start, end + 1), range(glyph, glyph + end - start + 1)))
        return cmap
    if 4 in found:
        return _cmap4(data, found[4])
    return {}


def _cmap4(data: bytes, at: int) -> dict[int, int]:
    segments = struct.unpack_from(">H", data, at + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", data, at + 14)
    starts = struct.unpack_from(f">{segments}H", data, at + 16 + 2 * segments)
    deltas = struct.unpack_from(f">{segments}h", data, at + 16 + 4 * segments)
    offsets_at = at + 16 + 6 * segments
    offsets = struct.unpack_from(f">{segments}H", data, offsets_at)
    cmap: dict[int, int] = {}
    read = 0
    for s in range(segments):
        read = _counted(read, ends[s] - starts[s] + 1)
        for code in range(starts[s], ends[s] + 1):
            if code == 0xFFFF:
                continue
            if offsets[s] == 0:
                glyph = (code + deltas[s]) & 0xFFFF
            else:
                where = offsets_at + 2 * s + offsets[s] + 2 * (code - starts[s])
                glyph = struct.unpack_from(">H", data, where)[0]
                glyph = (glyph + deltas[s]) & 0xFFFF if glyph else 0
            if glyph:
                cmap[code] = glyph
    return cmap


def _counted(read: int, codes: int) -> int:
    """Characters read so far, stopped before they exceed all of Unicode: ranges that overlap (the
    specification forbids it) could make one tiny hostile table claim billions of characters."""
    read += max(0, codes)
    if read > LAST_CODE_POINT + 1:
        raise ValueError("the character map's ranges overlap or cover more than all of Unicode")
    return read


def _kern(data: bytes, table: tuple[int, int] | None) -> dict[tuple[int, int], int]:
    """Horizontal format-0 pairs of the legacy 'kern' table: the only kerning FreeType's FT_Get_Kerning reads."""
    if table is None:
        return {}
    at = table[0]
    version, count = struct.unpack_from(">HH", data, at)
    if version != 0:
        return {}
    pairs: dict[tuple[int, int], int] = {}
    at += 4
    read = 0
    for _ in range(count):
        _, length, coverage = struct.unpack_from(">HHH", data, at)
        if length < 6:  # a subtable shorter than its own header would be read again and again
            raise ValueError(f"a kerning subtable of {length} bytes")
        if coverage >> 8 == 0 and coverage & 0x1 and not coverage & 0x4:  # format 0, horizontal, not cross-stream
            n = struct.unpack_from(">H", data, at + 6)[0]
            read += n
            if read > len(data) // 6:  # subtables that overlap: pairs read again and again
                raise ValueError("kerning subtables overlap")
            pairs.update(((left, right), value)
                         for left, right, value in struct.iter_unpack(">HHh", data[at + 14: at + 14 + 6 * n]))
        at += length
    return pairs
