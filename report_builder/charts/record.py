"""A Matplotlib renderer that records a figure's drawing operations as JSON, for the PDF to replay as vectors."""
from __future__ import annotations

import json
import os
from typing import Any

from matplotlib.backend_bases import FigureCanvasBase, RendererBase
from matplotlib.path import Path as MplPath
from matplotlib.textpath import TextToPath

#: Coordinates are kept to a thousandth of a point: far below what print or screen can show.
_PLACES = 3
_CAPS = {"butt": 0, "round": 1, "projecting": 2}
_JOINS = {"miter": 0, "round": 1, "bevel": 2}
_TEXT = TextToPath()


def _num(value: float) -> float:
    rounded = round(float(value), _PLACES)
    return 0.0 if rounded == 0 else rounded  # no "-0.0": the same picture must give the same bytes


def _rgba(rgb: Any, alpha: float) -> list[float] | None:
    if rgb is None or alpha <= 0:
        return None
    return [_num(rgb[0]), _num(rgb[1]), _num(rgb[2]), _num(alpha)]


class RecordingRenderer(RendererBase):
    """Writes down what Matplotlib draws: paths already transformed, colours, line styles, clips, and
    text at its baseline with its font key, which builders.pdf.chart replays on the ReportLab canvas
    (text stays text in the template's embedded font, as in the SVG)."""

    def __init__(self, width: float, height: float, fonts: dict[str, str]):
        super().__init__()
        self.width, self.height = width, height
        self.fonts = fonts  #: font file path -> font key ("regular", "bold", ...)
        self.ops: list[list[Any]] = []
        self._font_keys: dict[Any, str] = {}

    def flipy(self) -> bool:
        return False  # y upwards, as in PDF

    def get_canvas_width_height(self) -> tuple[float, float]:
        return self.width, self.height

    def points_to_pixels(self, points: float) -> float:
        return points

    def get_text_width_height_descent(self, s: str, prop: Any, ismath: Any) -> tuple[float, float, float]:
        # Measured as the SVG backend measures (unhinted outlines, matplotlib.textpath), so the PDF lays
        # out every label exactly where the SVG has it.
        return _TEXT.get_text_width_height_descent(s, prop, ismath)

    # ------------------------------------------------------------------------------------- state
    def _state(self, gc: Any) -> list[Any]:
        """Line style and clip: [width, dashes, phase, cap, join, clip rectangle, clip path]."""
        offset, dashes = gc.get_dashes()
        clip = gc.get_clip_rectangle()
        rect = [_num(v) for v in clip.bounds] if clip is not None else None
        clip_path, clip_transform = gc.get_clip_path()
        shape = self._segments(clip_path, clip_transform, fill=True) if clip_path is not None else None
        return [_num(gc.get_linewidth()), [_num(d) for d in dashes] if dashes else None, _num(offset or 0),
                _CAPS.get(gc.get_capstyle(), 0), _JOINS.get(gc.get_joinstyle(), 0), rect, shape]

    def _segments(self, path: MplPath, transform: Any, fill: bool) -> list[Any]:
        """Path segments in points: "M x y", "L x y", "C x1 y1 x2 y2 x3 y3", "Z" flattened into one list."""
        out: list[Any] = []
        last = (0.0, 0.0)
        start = last
        for points, code in path.iter_segments(transform, remove_nans=True, simplify=path.should_simplify and not fill,
                                               curves=True):
            if code == MplPath.MOVETO:
                last = start = (points[0], points[1])
                out += ["M", _num(points[0]), _num(points[1])]
            elif code == MplPath.LINETO:
                last = (points[0], points[1])
                out += ["L", _num(points[0]), _num(points[1])]
            elif code == MplPath.CURVE3:  # a quadratic Bézier as the cubic that draws the same curve
                (qx, qy), (x, y) = (points[0], points[1]), (points[2], points[3])
                c1 = (last[0] + 2 / 3 * (qx - last[0]), last[1] + 2 / 3 * (qy - last[1]))
                c2 = (x + 2 / 3 * (qx - x), y + 2 / 3 * (qy - y))
                out += ["C", *(_num(v) for v in (*c1, *c2, x, y))]
                last = (x, y)
            elif code == MplPath.CURVE4:
                out += ["C", *(_num(v) for v in points[:6])]
                last = (points[4], points[5])
            elif code == MplPath.CLOSEPOLY:
                out.append("Z")
                last = start
        return out

    # ------------------------------------------------------------------------------------ drawing
    def draw_path(self, gc: Any, path: MplPath, transform: Any, rgbFace: Any = None) -> None:
        forced = gc.get_forced_alpha()
        rgb = gc.get_rgb()
        stroke_alpha = gc.get_alpha() if forced else (rgb[3] if len(rgb) > 3 else 1.0)
        stroke = _rgba(rgb, stroke_alpha) if gc.get_linewidth() > 0 else None
        fill = None
        if rgbFace is not None:
            fill = _rgba(rgbFace, gc.get_alpha() if forced else (rgbFace[3] if len(rgbFace) > 3 else 1.0))
        if stroke is None and fill is None:
            return
        segments = self._segments(path, transform, fill=fill is not None)
        if segments:
            self.ops.append(["path", segments, fill, stroke, self._state(gc)])

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, ismath: Any = False,
                  mtext: Any = None) -> None:
        from matplotlib import font_manager

        if not s:
            return
        rgb = gc.get_rgb()
        colour = _rgba(rgb, gc.get_alpha() if gc.get_forced_alpha() else (rgb[3] if len(rgb) > 3 else 1.0))
        if colour is None:
            return
        found = font_manager.findfont(prop, fallback_to_default=True)  # a str, or a FontPath (Matplotlib >= 3.11)
        font = self._font_keys.get(found)
        if font is None:
            font = self._font_keys[found] = self.fonts.get(os.path.realpath(os.fspath(getattr(found, "path", found))),
                                                           "regular")
        self.ops.append(["text", _num(x), _num(y), _num(angle), font, _num(prop.get_size_in_points()), colour, s,
                         self._state(gc)])

    def draw_image(self, gc: Any, x: float, y: float, im: Any, transform: Any = None) -> None:
        raise NotImplementedError("charts draw no raster images; the PDF replays vectors only")


class FigureCanvasOps(FigureCanvasBase):
    """The canvas behind savefig(file, format="ops", dpi=72, fonts={path: key}): the recording as JSON bytes.

    Registered with matplotlib.backend_bases.register_backend, the documented way to add a savefig
    format; savefig sets the figure's dpi (72: one unit, one point) and its face colour, as for any format.
    """

    filetypes = {"ops": "Drawing operations (report_builder)"}

    def print_ops(self, filename_or_obj: Any, *, fonts: dict[str, str] | None = None, **kwargs: Any) -> None:
        width, height = self.figure.get_size_inches() * self.figure.dpi
        recorder = RecordingRenderer(width, height, fonts or {})
        self.figure.draw(recorder)
        document = {"width": _num(width), "height": _num(height), "ops": recorder.ops}
        filename_or_obj.write(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())


FigureCanvas = FigureCanvasOps
