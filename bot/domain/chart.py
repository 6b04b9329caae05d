"""The report chart: exactly the report's period (and the previous one, marked), as a PNG for a phone.

Stacked panels, each with its own axis, so no scale is read against another's: the three needs on 1–5 with
their 95% interval bands, NPS and eNPS on −100…100, and CSAT on 0–100 % when there is CSAT data. Each
point's n is printed small under its panel; a period whose round had fewer than k answers is marked
"n < k" in its gap. Only series with data get a legend entry.

Uses matplotlib's object API (`Figure` + `FigureCanvasAgg`), never pyplot, so there is no global figure
state, no display is needed and charts can be rendered from several threads. Missing values are gaps
(NaN), so a line never joins points across a hidden period.
"""

from __future__ import annotations

import functools
import io
import math
import pickle
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.questions import AGREEMENT_SCALE, NEEDS

# 640 px wide: Slack shows it at about 360 px on a phone, so every font here is sized for a 0.56 scale.
WIDTH_IN = 6.4
PANEL_HEIGHT_IN = 2.6
DPI = 100
FONT = 13
SMALL_FONT = 11
N_FONT = 10
TITLE_FONT = 14

_COLORS = {
    "autonomy": "#1f77b4",
    "competence": "#2ca02c",
    "belonging": "#d62728",
    "nps": "#444444",
    "enps": "#9467bd",
    "csat": "#ff7f0e",
}
_MARKERS = {"autonomy": "o", "competence": "s", "belonging": "^", "nps": "D", "enps": "v", "csat": "o"}


@dataclass(frozen=True)
class NeedPoint:
    """A need's mean in one chart period with its 95% interval (None when n < 2: no band)."""

    mean: float
    low: float | None
    high: float | None
    n: int


@dataclass(frozen=True)
class ChartPoint:
    """One chart period. Pulse values below k are absent: `hidden` says a round closed but had fewer than
    k answers (its n is not kept either), so the gap can say why it is there."""

    label: str  # the period's first day, dd.mm.
    previous: bool  # in the previous period, drawn shaded for comparison
    hidden: bool
    autonomy: NeedPoint | None
    competence: NeedPoint | None
    belonging: NeedPoint | None
    pulse_n: int  # answers behind the needs (0 when hidden or no round)
    enps: float | None
    enps_n: int
    nps: float | None
    nps_n: int
    csat: float | None
    csat_n: int


@dataclass(frozen=True)
class ChartLabels:
    title: str
    needs_panel: str
    cx_panel: str
    csat_panel: str
    autonomy: str
    competence: str
    belonging: str
    nps: str
    enps: str
    csat: str
    hidden_gap: str  # "n < 5"
    previous_period: str
    no_pulse: str
    no_cx: str
    n_row: str  # "n"


def _series(values: Sequence[float | None]) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]


def _has(values: Sequence[object | None]) -> bool:
    return any(v is not None for v in values)


N_ROW_PT = 12  # one row of small n under a panel, in points


# A panel's clip path by id(axes). Weak values: the path holds its axes (through the patch), so the id is not
# reused while an entry lives, and a figure's entries go with it.
_CLIP_PATHS: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()


def _text(ax: Any, x: float, y: float, s: str, **kwargs: Any) -> Any:
    """`ax.text` handed the panel's clip path, which matplotlib otherwise builds anew for each text (60% of
    making one). It is never used: `ax.text` draws unclipped, which is how the n rows show under the axes."""
    from matplotlib.transforms import TransformedPatchPath

    clip = _CLIP_PATHS.get(id(ax))
    if clip is None:
        clip = _CLIP_PATHS[id(ax)] = TransformedPatchPath(ax.patch)
    return ax.text(x, y, s, clip_path=clip, **kwargs)


def _n_row(ax: Any, xs: Sequence[int], ns: Sequence[int], row: int, label: str, color: str) -> None:
    """Small n under the panel's axis, one per point with data; the row is named at the left margin."""
    from matplotlib.transforms import ScaledTranslation

    down = ScaledTranslation(0, -(3 + N_ROW_PT * row) / 72, ax.figure.dpi_scale_trans)
    transform = ax.get_xaxis_transform() + down  # x in data, y in axes fraction, then down in points
    for x, n in zip(xs, ns, strict=True):
        if n:
            _text(ax, x, 0, str(n), transform=transform, ha="center", va="top", fontsize=N_FONT, color=color, gid="n")
    left = ScaledTranslation(-4 / 72, 0, ax.figure.dpi_scale_trans)
    _text(ax, 0, 0, label, transform=ax.transAxes + down + left, ha="right", va="top", fontsize=N_FONT, color=color)


def _y_scale(ax: Any, limits: tuple[float, float], levels: Sequence[int]) -> None:
    """The panel's y scale: light grid lines as one collection and a label per level left of the axis."""
    from matplotlib.transforms import ScaledTranslation

    ax.set_ylim(*limits)
    ax.hlines(levels, 0, 1, transform=ax.get_yaxis_transform(), color="#b0b0b0", alpha=0.3, linewidth=0.8, zorder=0.5)
    transform = ax.get_yaxis_transform() + ScaledTranslation(-4 / 72, 0, ax.figure.dpi_scale_trans)
    for level in levels:
        # U+2212, the minus matplotlib's own tick labels use.
        text = str(level).replace("-", "\u2212")
        _text(ax, 0, level, text, transform=transform, ha="right", va="center", fontsize=SMALL_FONT, gid="y")


# The y scale of each panel: limits and the levels labelled.
_SCALES: tuple[tuple[tuple[float, float], tuple[int, ...]], ...] = (
    ((AGREEMENT_SCALE[0], AGREEMENT_SCALE[-1]), tuple(AGREEMENT_SCALE)),  # the needs: the answer scale
    ((-100, 100), (-100, -50, 0, 50, 100)),
    ((0, 100), (0, 50, 100)),
)


@functools.lru_cache(maxsize=16)
def _frame_pickle(panels: int, count: int, bottom_rows: int) -> bytes:
    """The chart's empty frame, pickled: figure, panels, scales and date ticks, everything that depends only
    on the number of panels and points (and the n rows under the bottom panel, which push the dates down).
    Building it is a third of a chart's time; unpickling a copy a tenth of that."""
    # Imported here: matplotlib (and numpy) cost ~60 MB, which idle processes shouldn't carry.
    from matplotlib.figure import Figure

    ratios = [3.0, 2.2, 1.6][:panels]
    height = 1.2 + PANEL_HEIGHT_IN * sum(ratios) / 2.6 + 0.55 * panels
    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    grid = fig.add_gridspec(panels, 1, height_ratios=ratios, hspace=0.75)
    fig.subplots_adjust(left=0.13, right=0.97, top=1 - 0.95 / height, bottom=0.75 / height)
    axes = [fig.add_subplot(grid[i, 0]) for i in range(panels)]
    for ax, (limits, levels) in zip(axes, _SCALES, strict=False):
        ax.set_xlim(-0.5, max(count, 1) - 0.5)
        # No y ticks: each panel's scale is drawn by `_y_scale` (matplotlib's Tick objects were a third of the
        # time). Only the bottom panel has date ticks; elsewhere they would cost time and cut the n rows.
        ax.set_yticks([])
        # Tick styling before the ticks exist, so it is set once and copied, not applied to each tick.
        ax.tick_params(axis="x", length=0, labelsize=SMALL_FONT)
        # Fixed axis-label places: matplotlib skips measuring every tick label to place the (empty) labels.
        ax.xaxis.set_label_coords(0.5, 0.0)
        ax.yaxis.set_label_coords(0.0, 0.5)
        # An axis without ticks is not drawn at all (matplotlib would still lay out its empty label).
        ax.yaxis.set_visible(False)
        if ax is axes[-1]:
            ax.tick_params(axis="x", pad=4 + N_ROW_PT * bottom_rows)
            ax.set_xticks(range(count))
        else:
            ax.set_xticks([])
            ax.xaxis.set_visible(False)
        _y_scale(ax, limits, levels)
    axes[1].axhline(0, color="#888888", linewidth=0.7)
    return pickle.dumps(fig)


def _frame(panels: int, count: int, bottom_rows: int) -> Any:
    """A fresh copy of the frame, on the canvas that caches text."""
    from bot.domain.chart_canvas import CachedTextCanvas

    fig = pickle.loads(_frame_pickle(panels, count, bottom_rows))  # noqa: S301 - bytes pickled in-process above
    CachedTextCanvas(fig)
    return fig


def build_figure(points: Sequence[ChartPoint], labels: ChartLabels) -> Any:
    """The chart as a matplotlib Figure (tests read its lines and texts; `render_trend_chart` saves it)."""
    shown = list(points)
    xs = list(range(len(shown)))
    csat_panel = _has([p.csat for p in shown])
    panels = 3 if csat_panel else 2
    cx_rows = max(1, sum(_has(values) for values in ([p.nps for p in shown], [p.enps for p in shown])))
    fig = _frame(panels, len(shown), 1 if csat_panel else cx_rows)
    axes = fig.axes
    height = fig.get_figheight()
    # parse_math=False: a team name or an action with `$…$` is text, not mathtext that fails to draw
    fig.suptitle(labels.title, fontsize=TITLE_FONT, y=1 - 0.12 / height, parse_math=False)

    many = len(shown) > 8
    step = 2 if len(shown) > 14 else 1  # every other date label when they would collide at 360 px
    previous = [x for x, p in zip(xs, shown, strict=True) if p.previous]
    if previous:
        for ax in axes:
            ax.axvspan(-0.5, max(previous) + 0.5, color="#eeeeee", zorder=0)
    if shown and any(p.previous for p in shown):
        last_previous = max(x for x, p in zip(xs, shown, strict=True) if p.previous)
        _text(
            axes[0],
            (last_previous + 0.5) / 2 / len(shown),
            0.03,
            labels.previous_period,
            transform=axes[0].transAxes,
            ha="center",
            va="bottom",
            fontsize=N_FONT,
            color="#777777",
        )
    bottom = axes[-1]
    bottom.set_xticklabels(
        [p.label if i % step == (len(shown) - 1) % step else "" for i, p in enumerate(shown)],
        rotation=45 if many else 0,
        ha="right" if many else "center",
        fontsize=SMALL_FONT,
    )

    # Panel 1: the needs on 1-5 with 95% bands.
    needs_ax = axes[0]
    needs_ax.set_title(labels.needs_panel, fontsize=FONT, loc="left", pad=22, y=1.0)
    for need in NEEDS:
        values: list[NeedPoint | None] = [getattr(p, need) for p in shown]
        if not _has(values):
            continue
        color = _COLORS[need]
        needs_ax.plot(
            xs,
            _series([v.mean if v else None for v in values]),
            color=color,
            marker=_MARKERS[need],
            markersize=6,
            linewidth=2.0,
            label=getattr(labels, need),
            gid=f"line:{need}",
        )
        lows = [max(1.0, v.low) if v and v.low is not None else None for v in values]
        highs = [min(5.0, v.high) if v and v.high is not None else None for v in values]
        needs_ax.fill_between(
            xs, _series(lows), _series(highs), color=color, alpha=0.13, linewidth=0, gid=f"band:{need}"
        )
        # A band needs a neighbour to have width: a point standing alone (a first round, a fortnightly
        # team's 4-week digest) gets its interval as a bar instead.
        alone = [
            x
            for x in xs
            if lows[x] is not None and (x == 0 or values[x - 1] is None) and (x == len(xs) - 1 or values[x + 1] is None)
        ]
        if alone:
            nudge = 0.12 * (NEEDS.index(need) - 1)  # side by side, so the three bars don't hide each other
            needs_ax.vlines(
                [x + nudge for x in alone],
                _series([lows[x] for x in alone]),
                _series([highs[x] for x in alone]),
                color=color,
                alpha=0.3,
                linewidth=5,
                gid=f"bar:{need}",
            )
    for x, p in zip(xs, shown, strict=True):
        if p.hidden:
            _text(
                needs_ax,
                x,
                3.0,
                labels.hidden_gap,
                ha="center",
                va="center",
                rotation=90 if many else 0,
                fontsize=N_FONT,
                color="#666666",
                style="italic",
                gid="hidden",
            )
    if not any(_has([getattr(p, need) for p in shown]) for need in NEEDS) and not any(p.hidden for p in shown):
        _text(
            needs_ax, 0.5, 0.5, labels.no_pulse, transform=needs_ax.transAxes, ha="center", va="center", fontsize=FONT
        )
    _n_row(needs_ax, xs, [p.pulse_n for p in shown], 0, labels.n_row, "#555555")

    # Panel 2: NPS and eNPS on -100..100.
    cx_ax = axes[1]
    cx_ax.set_title(labels.cx_panel, fontsize=FONT, loc="left", pad=22, y=1.0)
    rows: list[tuple[list[int], str, str]] = []
    for key, name, cx_values, ns in (
        ("nps", labels.nps, [p.nps for p in shown], [p.nps_n for p in shown]),
        ("enps", labels.enps, [p.enps for p in shown], [p.enps_n for p in shown]),
    ):
        if not _has(cx_values):
            continue
        cx_ax.plot(
            xs,
            _series(cx_values),
            color=_COLORS[key],
            marker=_MARKERS[key],
            markersize=6,
            linewidth=2.0,
            linestyle="-" if key == "nps" else "--",
            label=name,
            gid=f"line:{key}",
        )
        rows.append((ns, f"{labels.n_row} {name}", _COLORS[key]))
    if not rows:
        _text(cx_ax, 0.5, 0.5, labels.no_cx, transform=cx_ax.transAxes, ha="center", va="center", fontsize=FONT)
    for i, (ns, name, color) in enumerate(rows):
        _n_row(cx_ax, xs, ns, i, name, color)

    # Panel 3 (only with CSAT data): CSAT on 0-100 %.
    if csat_panel:
        csat_ax = axes[2]
        csat_ax.set_title(labels.csat_panel, fontsize=FONT, loc="left", y=1.0)
        csat_ax.plot(
            xs,
            _series([p.csat for p in shown]),
            color=_COLORS["csat"],
            marker=_MARKERS["csat"],
            markersize=6,
            linewidth=2.0,
            label=labels.csat,
            gid="line:csat",
        )
        _n_row(csat_ax, xs, [p.csat_n for p in shown], 0, labels.n_row, _COLORS["csat"])

    for ax in axes[:2]:  # the CSAT panel's title names its one series
        handles, names = ax.get_legend_handles_labels()
        if handles:
            ax.legend(
                handles,
                names,
                loc="lower left",
                bbox_to_anchor=(0.0, 1.0),
                ncol=3,
                fontsize=N_FONT,
                frameon=False,
                borderaxespad=0.1,
                handlelength=1.5,
                columnspacing=0.8,
            )
    return fig


@dataclass(frozen=True)
class ActionMarker:
    """A team action on its need's line: where it was committed to, or marked done (bot.domain.report)."""

    need: str
    x: int  # the chart period the day falls in
    done: bool  # False: committed on that day
    label: str  # a few words of the action, printed by the commitment's marker (empty: none)


@dataclass(frozen=True)
class ActionMarkerLabels:
    committed: str
    done: str


ACTION_LABEL_CHARS = 18


def add_action_markers(fig: Any, markers: Sequence[ActionMarker], labels: ActionMarkerLabels) -> None:
    """Mark actions on the needs panel, on the need's line (or at its foot where the line has a gap): an
    open diamond where one was committed to, a filled star where it was done, the commitment labelled with a
    few words. A second legend names the two marks, only when there are any."""
    if not markers or not fig.axes:
        return
    from matplotlib.lines import Line2D

    ax = fig.axes[0]
    lines = {str(line.get_gid()): line.get_ydata() for line in ax.get_lines()}
    kinds: dict[bool, Any] = {}
    for marker in markers:
        ys = lines.get(f"line:{marker.need}")
        y = float(ys[marker.x]) if ys is not None and 0 <= marker.x < len(ys) else math.nan
        y = 1.3 if math.isnan(y) else y
        color = _COLORS.get(marker.need, "#333333")
        style: dict[str, Any] = (
            {"marker": "*", "markersize": 15, "color": color, "markeredgecolor": "white"}
            if marker.done
            else {"marker": "D", "markersize": 10, "markerfacecolor": "white", "markeredgecolor": color}
        )
        ax.plot([marker.x], [y], linestyle="none", markeredgewidth=1.8, zorder=5, gid="action", **style)
        kinds[marker.done] = Line2D([], [], linestyle="none", markeredgewidth=1.8, **style)
        if marker.label and not marker.done:
            text = (
                marker.label
                if len(marker.label) <= ACTION_LABEL_CHARS
                else marker.label[: ACTION_LABEL_CHARS - 1] + "…"
            )
            ax.annotate(
                text,
                (marker.x, y),
                xytext=(0, 9),
                textcoords="offset points",
                ha="center",
                fontsize=N_FONT,
                color=color,
                gid="action-label",
                parse_math=False,
            )
    legend = ax.get_legend()
    handles = [kinds[done] for done in (False, True) if done in kinds]
    names = [labels.done if done else labels.committed for done in (False, True) if done in kinds]
    ax.legend(handles, names, loc="lower right", fontsize=N_FONT, framealpha=0.8, handlelength=1.2)
    if legend is not None:
        ax.add_artist(legend)  # the needs' legend stays where it was


def render_trend_chart(
    points: Sequence[ChartPoint],
    labels: ChartLabels,
    markers: Sequence[ActionMarker] = (),
    marker_labels: ActionMarkerLabels | None = None,
) -> bytes:
    """The chart as PNG bytes (no timestamp or software metadata: the same report gives the same bytes)."""
    from PIL import Image

    fig = build_figure(points, labels)
    if marker_labels is not None:
        add_action_markers(fig, markers, marker_labels)
    canvas = fig.canvas
    canvas.draw()
    # RGB, not the canvas's RGBA: the figure is opaque, and encoding a quarter fewer bytes is 15% faster and
    # 10% smaller. zlib level 3: a third of level 6's time for a few percent more bytes on a flat-colour chart.
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="png", compress_level=3, dpi=(DPI, DPI))
    return buf.getvalue()
