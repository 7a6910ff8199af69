"""A Matplotlib canvas that records a figure's drawing operations, for the PDF to replay as vectors.

The PDF used to get its charts by converting each SVG with svglib, which is pure Python and took a
quarter of a cold build. Matplotlib already knows every path and string it draws: this renderer
writes them down (paths already transformed, colours, line styles, clips, text at its baseline with
its font) as compact JSON, and report_builder.builders.pdf.chart replays them on the ReportLab
canvas. Text stays text in the template's embedded font, as with the SVG.

Registered as savefig format "ops"; the figure is drawn at 72 dpi, so one unit is one point.
Imported only when a chart is drawn (it imports Matplotlib).
"""
from __future__ import annotations

import io
import json
import os
from typing import Any

from matplotlib.backend_bases import FigureCanvasBase, RendererBase
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.path import Path as MplPath

#: Coordinates are kept to a thousandth of a point: far below what print or screen can show.
_PLACES = 3
_CAPS = {"butt": 0, "round": 1, "projecting": 2}
_JOINS = {"miter": 0, "round": 1, "bevel": 2}


def _num(value: float) -> float:
    rounded = round(float(value), _PLACES)
    return 0.0 if rounded == 0 else rounded  # no "-0.0": the same picture must give the same bytes


def _rgba(rgb: Any, alpha: float) -> list[float] | None:
    if rgb is None or alpha <= 0:
        return None
    return [_num(rgb[0]), _num(rgb[1]), _num(rgb[2]), _num(alpha)]


class RecordingRenderer(RendererBase):
    """Collects operations; text is measured exactly as the SVG renderer measures it."""

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
        # As RendererSVG measures: the same layout whether or not the SVG is drawn in the same pass.
        return self._text2path.get_text_width_height_descent(s, prop, ismath)

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


class TeeRenderer(RendererSVG):
    """Matplotlib's SVG renderer that hands every operation to a RecordingRenderer too.

    One pass over the figure (artists, transforms, text layout) gives both the SVG and the
    recording, byte for byte what two separate savefig calls would give (tests/test_charts.py).
    The SVG renderer's y runs downwards: text positions are turned back for the recording.
    """

    def __init__(self, width: float, height: float, svgwriter: Any, recorder: RecordingRenderer, **kwargs: Any):
        super().__init__(width, height, svgwriter, **kwargs)
        self.recorder = recorder
        self._inside = 0  # > 0 while an SVG method draws through draw_path itself: record once, not twice

    def draw_path(self, gc: Any, path: MplPath, transform: Any, rgbFace: Any = None) -> None:
        super().draw_path(gc, path, transform, rgbFace)
        if not self._inside:
            self.recorder.draw_path(gc, path, transform, rgbFace)

    def draw_markers(self, *args: Any, **kwargs: Any) -> None:
        self._both("draw_markers", *args, **kwargs)

    def draw_path_collection(self, *args: Any, **kwargs: Any) -> None:
        self._both("draw_path_collection", *args, **kwargs)

    def _both(self, method: str, *args: Any, **kwargs: Any) -> None:
        """The SVG renderer's own version (with <use> definitions), then the recorder's, which draws path by path."""
        self._inside += 1
        try:
            getattr(super(), method)(*args, **kwargs)
        finally:
            self._inside -= 1
        getattr(self.recorder, method)(*args, **kwargs)

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, ismath: Any = False,
                  mtext: Any = None) -> None:
        super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        self.recorder.draw_text(gc, x, self.height - y, s, prop, angle, ismath, mtext)

    def draw_image(self, gc: Any, x: float, y: float, im: Any, transform: Any = None) -> None:
        self.recorder.draw_image(gc, x, y, im, transform)


class FigureCanvasOps(FigureCanvasBase):
    """savefig(file, format="ops", fonts={path: key}) writes the recording as JSON bytes; with svg=a
    binary file it writes the figure's SVG there in the same pass (as format="svg" would)."""

    filetypes = {"ops": "Drawing operations (report_builder)"}

    def print_ops(self, filename_or_obj: Any, *, fonts: dict[str, str] | None = None, svg: Any = None,
                  metadata: dict[str, Any] | None = None, bbox_inches_restore: Any = None, **kwargs: Any) -> None:
        figure = self.figure
        dpi = figure.dpi
        figure.dpi = 72  # one unit, one point (savefig restores the figure's own dpi afterwards)
        width, height = figure.get_size_inches()
        recorder = RecordingRenderer(width * 72, height * 72, fonts or {})
        if svg is None:
            figure.draw(recorder)
        else:  # as FigureCanvasSVG.print_svg does it, with the tee in place of its RendererSVG
            text = io.StringIO()
            renderer = MixedModeRenderer(figure, width, height, dpi,
                                         TeeRenderer(width * 72, height * 72, text, recorder, image_dpi=dpi,
                                                     metadata=metadata),
                                         bbox_inches_restore=bbox_inches_restore)
            figure.draw(renderer)
            renderer.finalize()
            svg.write(text.getvalue().encode("utf-8"))
        document = {"width": _num(width * 72), "height": _num(height * 72), "ops": recorder.ops}
        filename_or_obj.write(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())


FigureCanvas = FigureCanvasOps
