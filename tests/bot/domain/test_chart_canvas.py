from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties

from bot.domain import chart
from bot.domain.chart_canvas import CachedTextRenderer, clear_caches
from tests.bot.domain.test_chart import LABELS, _mixed_points

STRINGS = ["12", "n", "−100", "Pätevyys 1–5", "NPS / eNPS −100…100", "n < 5", "Support: 08.09.2026–30.11.2026"]


@pytest.mark.parametrize("size", [10, 11, 13, 14])
@pytest.mark.parametrize("text", STRINGS)
def test_measures_strings_as_matplotlib_does(text: str, size: int) -> None:
    """Text layout (alignment, the n rows' places) rests on these metrics: they must be matplotlib's own."""
    prop = FontProperties(size=size)
    expected = RendererAgg(10, 10, 100).get_text_width_height_descent(text, prop, False)
    assert CachedTextRenderer(10, 10, 100).get_text_width_height_descent(text, prop, False) == expected
    assert CachedTextRenderer(10, 10, 100).get_text_width_height_descent(text, prop, False) == expected  # cached


def test_font_height_metrics_are_those_text_layout_reads_from_the_font() -> None:
    """The renderer hook must give what Text._get_layout would compute itself, or every text moves."""
    from matplotlib.font_manager import fontManager, get_font

    prop = FontProperties(size=11)
    font = get_font(fontManager._find_fonts_by_props(prop))
    os2, head = font.get_sfnt_table("OS/2"), font.get_sfnt_table("head")
    assert os2 is not None and head is not None
    scale = 11 * 100 / 72 / head["unitsPerEm"]
    ascent, descent, gap = CachedTextRenderer(10, 10, 100)._get_font_height_metrics(prop)
    assert (ascent, descent, gap) == (
        os2["sTypoAscender"] * scale,
        -os2["sTypoDescender"] * scale,
        os2["sTypoLineGap"] * scale,
    )


def test_a_first_draw_and_a_cached_one_give_the_same_png() -> None:
    """Strings and frames come from caches after the first chart: the bytes must not depend on which."""
    points = _mixed_points()
    clear_caches()
    chart._frame_pickle.cache_clear()
    first = chart.render_trend_chart(points, LABELS)
    assert chart.render_trend_chart(points, LABELS) == first
    clear_caches()  # strings laid out anew, frame from the cache
    assert chart.render_trend_chart(points, LABELS) == first


def test_every_text_of_the_chart_is_painted() -> None:
    """Each chart text leaves ink where matplotlib says it is (a string lost or misplaced by the cache fails)."""
    import numpy as np
    from matplotlib.text import Text

    fig = chart.build_figure(_mixed_points(), LABELS)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())[:, :, :3]
    height = pixels.shape[0]
    renderer = fig.canvas.get_renderer()
    # Panel titles, n rows, scales, gap marks; legends; dates; the figure's title.
    texts = [t for ax in fig.axes for t in ax.get_children() if isinstance(t, Text)]
    texts += [t for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    texts += [*fig.axes[-1].get_xticklabels(), *fig.texts]
    drawn = [t for t in texts if t.get_text() and t.get_visible()]
    assert len(drawn) > 60
    for text in drawn:
        box = text.get_window_extent(renderer)
        top, bottom = int(height - box.y1), int(height - box.y0) + 1
        region = pixels[max(top, 0) : bottom, max(int(box.x0), 0) : int(box.x1) + 1]
        # Darker than the lightest fill behind any text (the previous period's #eeeeee).
        assert region.size and region.min() < 0xC0, text.get_text()
