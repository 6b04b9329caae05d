"""Chart draw time: the report chart (three panels, 14 points with bands, n rows, a hidden gap, the previous
period shaded) rendered to PNG, beside a baseline from the same run: an empty matplotlib figure of the same
size saved as PNG. The goal is under 150 ms a chart; the ratio to the baseline is what carries over to
another machine.

    python benchmarks/chart_draw.py              # 30 runs each, medians
    python benchmarks/chart_draw.py --runs 100
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain.chart import DPI, WIDTH_IN, ChartLabels, ChartPoint, NeedPoint, build_figure, render_trend_chart

GOAL_MS = 150.0

LABELS = ChartLabels(
    title="Support: people and customers, 08.09.2026–30.11.2026",
    needs_panel="Needs 1–5, bands 95% CI",
    cx_panel="NPS / eNPS −100…100",
    csat_panel="CSAT %",
    autonomy="Autonomy",
    competence="Competence",
    belonging="Belonging",
    nps="NPS",
    enps="eNPS",
    csat="CSAT",
    hidden_gap="n < 5",
    previous_period="previous period",
    no_pulse="No pulse round closed in this period",
    no_cx="No NPS or eNPS data for this period",
    n_row="n",
)


def _need(mean: float, n: int) -> NeedPoint:
    return NeedPoint(mean=mean, low=mean - 0.35, high=mean + 0.35, n=n)


def points(count: int = 14) -> list[ChartPoint]:
    """A busy chart: every series, a hidden period, half of it the previous period."""
    out = []
    for i in range(count):
        hidden = i == 4

        out.append(
            ChartPoint(
                label=f"{1 + i:02d}.09.",
                previous=i < count // 2,
                hidden=hidden,
                autonomy=None if hidden else _need(3.4 + 0.05 * (i % 4), 12 + i),
                competence=None if hidden else _need(3.8 - 0.03 * i, 12 + i),
                belonging=None if hidden else _need(3.5, 12 + i),
                pulse_n=0 if hidden else 12 + i,
                enps=None if hidden or i % 3 else 5.0 * i,
                enps_n=0 if hidden or i % 3 else 12 + i,
                nps=20.0 + 2 * i,
                nps_n=40 + i,
                csat=70.0 + i,
                csat_n=20 + i,
            )
        )
    return out


def empty_figure_png(height: float) -> bytes:
    """The baseline: the least any matplotlib PNG of the chart's size costs (figure, canvas, savefig)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def median_ms(work: Callable[[], object], runs: int) -> float:
    work()  # warm: imports, font cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    data = points()
    chart_ms = median_ms(lambda: render_trend_chart(data, LABELS), args.runs)
    height = build_figure(data, LABELS).get_figheight()
    baseline_ms = median_ms(lambda: empty_figure_png(height), args.runs)
    print(f"chart (3 panels, 14 points) to PNG: {chart_ms:.1f} ms median of {args.runs}")
    print(f"baseline, an empty figure of the same size to PNG: {baseline_ms:.1f} ms")
    print(
        f"ratio chart / baseline: {chart_ms / baseline_ms:.1f}x; goal under {GOAL_MS:.0f} ms: "
        f"{'met' if chart_ms < GOAL_MS else 'NOT met'}"
    )
    return 0 if chart_ms < GOAL_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
