"""An Agg canvas whose text comes from a process-wide cache of laid-out strings (imported only to draw a chart).

matplotlib 3.11's Agg renderer lays every string out with libraqm/HarfBuzz twice a draw, once to measure it
and once more to paint it glyph by glyph: about 0.2 ms a short string, 40% of a report chart's draw time.
Here a string is laid out once, which gives both its metrics and its bitmap (FT2Font.set_text, then
draw_glyphs_to_bitmap: matplotlib's own Agg text path up to 3.10), and kept: a chart's strings repeat from
chart to chart (n values, dates, scale labels, legend and panel names). A rotated string's bitmap is turned
when painted, as matplotlib did up to 3.10. Math text goes matplotlib's usual way.
"""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import numpy as np
from matplotlib import rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import FontProperties, fontManager, get_font

# Enough for every string of a few hundred charts of different teams and periods; a cached string costs a
# few hundred bytes (a title a few kB).
CACHE_SIZE = 4096


class _Laid(NamedTuple):
    """A string laid out and rasterised once, unrotated: its metrics as RendererAgg reports them (pixels),
    its coverage bitmap and the bitmap's offset from the pen (FreeType's 1/64 px)."""

    width: float
    height: float
    descent: float
    bitmap: np.ndarray[Any, np.dtype[np.uint8]]
    offset_x: int
    offset_y: int


@functools.lru_cache(maxsize=CACHE_SIZE)
def _laid_out(
    text: str, prop: FontProperties, dpi: float, hinting: str, antialiased: bool, features: Any, language: Any
) -> _Laid:
    del hinting  # keys the cache: get_hinting_flag() reads the same rcParam
    # get_font gives each thread its own FT2Font, so charts drawn in parallel don't share a glyph buffer.
    font = get_font(fontManager._find_fonts_by_props(prop))
    font.clear()
    font.set_size(prop.get_size_in_points(), dpi)
    flags = get_hinting_flag()  # type: ignore[no-untyped-call]
    font.set_text(text, 0.0, flags=flags, features=features, language=language)
    width, height = font.get_width_height()
    descent = font.get_descent()
    font.draw_glyphs_to_bitmap(antialiased=antialiased)
    offset_x, offset_y = font.get_bitmap_offset()
    bitmap = np.array(font.get_image(), dtype=np.uint8)  # a copy: the font's buffer is reused
    return _Laid(width / 64, height / 64, descent / 64, bitmap, offset_x, offset_y)


@functools.lru_cache(maxsize=64)
def _font_height_metrics(prop: FontProperties, dpi: float) -> tuple[float | None, float | None, float | None]:
    """A font's ascent, descent and line gap at a size, as `Text._get_layout` computes them (it reads two
    sfnt tables for every text it lays out, a tenth of a chart's time)."""
    font = get_font(fontManager._find_fonts_by_props(prop))
    head = font.get_sfnt_table("head")
    if head is None:
        return None, None, None
    scale = prop.get_size_in_points() * dpi / 72 / head["unitsPerEm"]
    os2 = font.get_sfnt_table("OS/2")
    if os2 is not None:
        return os2["sTypoAscender"] * scale, -os2["sTypoDescender"] * scale, os2["sTypoLineGap"] * scale
    hhea = font.get_sfnt_table("hhea")
    if hhea is not None:
        return hhea["ascent"] * scale, -hhea["descent"] * scale, hhea["lineGap"] * scale
    return None, None, None  # Text measures "lp" instead


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class CachedTextRenderer(RendererAgg):
    """RendererAgg measuring and painting plain text from the cache above."""

    def _get_font_height_metrics(self, prop: FontProperties) -> tuple[float | None, float | None, float | None]:
        # The hook `Text._get_layout` asks a renderer before reading the font's tables itself.
        return _font_height_metrics(prop.copy(), self.dpi)

    def get_text_width_height_descent(self, s: str, prop: FontProperties, ismath: Any) -> tuple[float, float, float]:
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)  # type: ignore[no-untyped-call,no-any-return]
        # Texts are antialiased unless told otherwise; the metrics are the same either way.
        laid = _laid_out(s, prop.copy(), self.dpi, rcParams["text.hinting"], rcParams["text.antialiased"], None, None)
        return laid.width, laid.height, laid.descent

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
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)  # type: ignore[no-untyped-call]
            return
        laid = _laid_out(
            s,
            prop.copy(),
            self.dpi,
            rcParams["text.hinting"],
            bool(gc.get_antialiased()),
            _hashable(mtext.get_fontfeatures()) if mtext is not None else None,
            _hashable(mtext.get_language()) if mtext is not None else None,
        )
        if not laid.bitmap.size:
            return
        # (x, y) is the pen's start on the baseline, y down. As RendererAgg.draw_text placed a string's bitmap
        # up to matplotlib 3.10: draw_text_image takes the bitmap's bottom-left corner, turns it by the angle.
        sin, cos = math.sin(math.radians(angle)), math.cos(math.radians(angle))
        left = round(x + laid.offset_x / 64 + laid.descent * sin)
        bottom = round(y + laid.offset_y / 64 + laid.descent * cos)
        self._renderer.draw_text_image(laid.bitmap, left, bottom + 1, angle, gc)


class CachedTextCanvas(FigureCanvasAgg):
    """FigureCanvasAgg drawing with CachedTextRenderer."""

    def get_renderer(self) -> RendererAgg:
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = CachedTextRenderer(w, h, self.figure.dpi)  # type: ignore[no-untyped-call]
            self._lastKey = key
        return self.renderer  # type: ignore[no-any-return]


def clear_caches() -> None:
    """Forget every laid-out string and font metric (benchmarks/chart_draw.py's cold case)."""
    _laid_out.cache_clear()
    _font_height_metrics.cache_clear()
