"""WCAG 2 contrast of "#RRGGBB" colours, and the readable colour or shade for text drawn on a background."""
from __future__ import annotations

#: WCAG 2 minimum contrast for text (AA, normal size).
MIN_CONTRAST = 4.5
#: WCAG 2 minimum contrast for the parts of a graphic needed to understand it (1.4.11): an arm's marks.
MIN_GRAPHIC_CONTRAST = 3.0


def luminance(colour: str) -> float:
    """WCAG relative luminance of "#RRGGBB"."""
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    h = colour.lstrip("#")
    r, g, b = (channel(int(h[i:i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable(colour: str, on: str) -> str:
    """The colour if text in it is readable on `on`, else black or white, whichever contrasts more."""
    return colour if contrast(colour, on) >= MIN_CONTRAST else black_or_white(on)


def black_or_white(on: str) -> str:
    """Whichever of black and white contrasts more with `on`."""
    return "#000000" if contrast("#000000", on) >= contrast("#FFFFFF", on) else "#FFFFFF"


def readable_shade(colour: str, on: str, minimum: float = MIN_CONTRAST) -> str:
    """The colour if text in it is readable on `on`, else the least shade of it towards black or white (whichever
    contrasts more with `on`) that is: text keeps the hue of the colour it names (a link, an arm).
    minimum=MIN_GRAPHIC_CONTRAST: the same for a mark (a dot, a bar) that must be seen, not read."""
    if contrast(colour, on) >= minimum:
        return colour
    target = black_or_white(on)
    for step in range(1, 21):
        shade = mix(colour, target, step / 20)
        if contrast(shade, on) >= minimum:
            return shade
    return target


def visible_shade(colour: str, on: str) -> str:
    """The colour of a mark that carries data (an arm's dot or bar): readable_shade at 3:1 (WCAG 1.4.11)."""
    return readable_shade(colour, on, MIN_GRAPHIC_CONTRAST)


def mix(a: str, b: str, share: float) -> str:
    """`share` of colour b over colour a."""
    pa, pb = a.lstrip("#"), b.lstrip("#")
    channels = (round(int(pa[i:i + 2], 16) * (1 - share) + int(pb[i:i + 2], 16) * share) for i in (0, 2, 4))
    return "#" + "".join(f"{c:02X}" for c in channels)
