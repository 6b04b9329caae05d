"""The team trend chart: the three needs (1-5) and NPS (-100..100) over the last weeks, as PNG bytes.

Uses matplotlib's object API (`Figure` + `FigureCanvasAgg`), never pyplot, so there is no global
figure state, no display is needed and charts can be rendered from several threads. Suppressed or
missing values are gaps (NaN), so a line never joins points across a suppressed week.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

MAX_POINTS = 12
WIDTH_IN = 10.0
HEIGHT_IN = 5.5
DPI = 100
FONT = 12
SMALL_FONT = 11
TITLE_FONT = 15

_COLORS = {
    "autonomy": "#1f77b4",
    "competence": "#2ca02c",
    "belonging": "#d62728",
    "nps": "#6b6b6b",
}
_MARKERS = {"autonomy": "o", "competence": "s", "belonging": "^"}


@dataclass(frozen=True)
class ChartPoint:
    label: str
    autonomy: float | None
    competence: float | None
    belonging: float | None
    nps: float | None


@dataclass(frozen=True)
class ChartLabels:
    title: str
    needs_axis: str
    nps_axis: str
    autonomy: str
    competence: str
    belonging: str
    nps: str
    suppressed_note: str


def _series(values: Sequence[float | None]) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]


def render_trend_chart(points: Sequence[ChartPoint], labels: ChartLabels) -> bytes:
    """Render the last `MAX_POINTS` points as a 1000x550 PNG."""
    # Imported here: matplotlib (and numpy) cost ~60 MB, which idle processes shouldn't carry.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shown = list(points)[-MAX_POINTS:]
    xs = list(range(len(shown)))

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    # Leave room at the top for the legend row (outside the plot) and at the bottom for rotated labels.
    rotate = len(shown) > 6
    fig.subplots_adjust(left=0.08, right=0.91, top=0.82, bottom=0.2 if rotate else 0.1)
    ax = fig.add_subplot(1, 1, 1)
    ax2 = ax.twinx()

    fig.suptitle(labels.title, fontsize=TITLE_FONT, y=0.975)
    ax.set_ylim(1, 5)
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_ylabel(labels.needs_axis, fontsize=FONT)
    ax2.set_ylim(-100, 100)
    ax2.set_yticks([-100, -50, 0, 50, 100])
    ax2.set_ylabel(labels.nps_axis, fontsize=FONT)
    ax.tick_params(axis="both", labelsize=SMALL_FONT)
    ax2.tick_params(axis="y", labelsize=SMALL_FONT)
    ax.grid(axis="y", alpha=0.3)

    if shown:
        ax.set_xlim(-0.5, len(shown) - 0.5)
    else:
        ax.set_xlim(-0.5, 0.5)
    ax.set_xticks(xs)
    ax.set_xticklabels(
        [p.label for p in shown],
        rotation=35 if rotate else 0,
        ha="right" if rotate else "center",
        fontsize=SMALL_FONT,
    )

    handles = []
    for need, name in (
        ("autonomy", labels.autonomy),
        ("competence", labels.competence),
        ("belonging", labels.belonging),
    ):
        ys = _series([getattr(p, need) for p in shown])
        (line,) = ax.plot(
            xs,
            ys,
            color=_COLORS[need],
            marker=_MARKERS[need],
            markersize=7,
            linewidth=2.2,
            label=name,
        )
        handles.append(line)

    nps_ys = _series([p.nps for p in shown])
    (nps_line,) = ax2.plot(
        xs,
        nps_ys,
        color=_COLORS["nps"],
        linestyle="--",
        marker="D",
        markersize=5,
        linewidth=1.8,
        label=labels.nps,
    )
    handles.append(nps_line)
    ax2.axhline(0, color=_COLORS["nps"], linewidth=0.6, alpha=0.4)
    # Needs lines are drawn above the NPS axis so they stay readable where they cross.
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)

    if all(p.autonomy is None and p.competence is None and p.belonging is None for p in shown):
        ax.text(
            0.5,
            0.5,
            labels.suppressed_note,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=FONT + 1,
            wrap=True,
            bbox={"boxstyle": "round,pad=0.6", "facecolor": "#f4f4f4", "edgecolor": "#bbbbbb"},
        )

    # Legend in a row between the title and the plot area: never covers the data.
    fig.legend(
        handles=handles,
        labels=[h.get_label() for h in handles],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.92),
        ncol=4,
        fontsize=SMALL_FONT,
        frameon=False,
    )

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()
