"""An Agg canvas whose text comes from a process-wide cache of rendered strings (imported only to draw a chart).

matplotlib 3.11 shapes every string with libraqm/HarfBuzz twice a draw (once to measure it, once to paint
it) and rasterises each glyph again: about 0.2 ms a short string, 40% of a report chart's draw time. A
chart's strings repeat from chart to chart (n values, dates, scale labels, legend and panel names), so each
string is measured and rasterised once per font, size, angle and hinting, then painted as one coverage
bitmap. Each string is placed on a whole pixel (matplotlib places glyphs to 1/64 px), so a first draw and
a cached one give the same bytes.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from matplotlib import rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.font_manager import FontProperties, fontManager, get_font

# Enough for every string of a few hundred charts of different teams and periods; a cached string costs a
# few hundred bytes (a title a few kB).
CACHE_SIZE = 4096

# (coverage bitmap, left and top of the bitmap from the text's anchor, in whole pixels, y down)
_Bitmap = tuple[np.ndarray[Any, np.dtype[np.uint8]], int, int]


@functools.lru_cache(maxsize=CACHE_SIZE)
def _metrics(text: str, prop: FontProperties, dpi: float, hinting: str) -> tuple[float, float, float]:
    # `hinting` only keys the cache: matplotlib reads rcParams itself.
    del hinting
    return RendererAgg(1, 1, dpi).get_text_width_height_descent(text, prop, False)  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=CACHE_SIZE)
def _bitmap(
    text: str,
    prop: FontProperties,
    dpi: float,
    angle: float,
    antialiased: bool,
    hinting: str,
    features: Any,
    language: Any,
) -> _Bitmap:
    """Render the string once, black on transparent, with matplotlib's own text code, and keep its alpha."""
    del hinting
    width, height, _descent = _metrics(text, prop, dpi, rcParams["text.hinting"])
    pad = int(width + height) + 4  # the string fits whichever way it is turned
    scratch = RendererAgg(2 * pad, 2 * pad, dpi)
    gc = scratch.new_gc()
    gc.set_foreground("black")
    gc.set_antialiased(antialiased)
    mtext = _TextOptions(features, language)
    RendererAgg.draw_text(scratch, gc, pad, pad, text, prop, angle, ismath=False, mtext=mtext)  # type: ignore[arg-type]
    gc.restore()
    alpha = np.asarray(scratch.buffer_rgba())[:, :, 3]
    rows = np.flatnonzero(alpha.any(axis=1))
    cols = np.flatnonzero(alpha.any(axis=0))
    if not len(rows):
        return np.zeros((0, 0), np.uint8), 0, 0
    top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    return np.ascontiguousarray(alpha[top:bottom, left:right]), left - pad, top - pad


class _TextOptions:
    """The two Text properties RendererAgg.draw_text reads, for the scratch render."""

    def __init__(self, features: Any, language: Any) -> None:
        self._features = features
        self._language = language

    def get_fontfeatures(self) -> Any:
        return self._features

    def get_language(self) -> Any:
        return self._language


@functools.lru_cache(maxsize=64)
def _font_height_metrics(prop: FontProperties, dpi: float) -> tuple[float | None, float | None, float | None]:
    """A font's ascent, descent and line gap at a size, as `Text._get_layout` computes them (it reads two
    sfnt tables for every text it lays out, a tenth of a chart's time)."""
    font = get_font(fontManager._find_fonts_by_props(prop))
    for table_name, gap_key, ascent_key, descent_key in (
        ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
        ("hhea", "lineGap", "ascent", "descent"),
    ):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        head = font.get_sfnt_table("head")
        assert head is not None  # every TrueType font has one
        scale = prop.get_size_in_points() * dpi / 72 / head["unitsPerEm"]
        return table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale
    return None, None, None  # Text measures "lp" instead


class CachedTextRenderer(RendererAgg):
    """RendererAgg that measures and paints plain text from the caches above (math text goes the usual way)."""

    def _get_font_height_metrics(self, prop: FontProperties) -> tuple[float | None, float | None, float | None]:
        # The hook `Text._get_layout` asks a renderer before reading the font's tables itself.
        return _font_height_metrics(prop.copy(), self.dpi)

    def get_text_width_height_descent(self, s: str, prop: FontProperties, ismath: Any) -> tuple[float, float, float]:
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)  # type: ignore[no-any-return]
        return _metrics(s, prop.copy(), self.dpi, rcParams["text.hinting"])

    def draw_text(
        self,
        gc: Any,
        x: float,
        y: float,
        s: str,
        prop: FontProperties,
        angle: float,
        ismath: Any = False,
        mtext: Any = None,
    ) -> None:
        if ismath:
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        coverage, left, top = _bitmap(
            s,
            prop.copy(),
            self.dpi,
            float(angle),
            bool(gc.get_antialiased()),
            rcParams["text.hinting"],
            tuple(features) if isinstance(features, list) else features,
            tuple(language) if isinstance(language, list) else language,
        )
        if coverage.size:
            # draw_text_image takes the bitmap's bottom edge, y down; x, y here are the anchor, y down.
            self._renderer.draw_text_image(
                coverage, round(x) + left, round(y) + top + coverage.shape[0], 0, gc
            )


class CachedTextCanvas(FigureCanvasAgg):
    """FigureCanvasAgg drawing with CachedTextRenderer."""

    def get_renderer(self) -> RendererAgg:
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = CachedTextRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer
