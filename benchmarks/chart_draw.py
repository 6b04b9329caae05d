"""Chart draw time: the report chart (three panels, 14 points with bands, n rows, a hidden gap, the previous
period shaded) rendered to PNG, beside a baseline from the same run: an empty matplotlib figure of the same
size saved as PNG. The goal is under 150 ms a chart; the ratio to the baseline is what carries over to
another machine. Chart and baseline runs alternate, so a load that comes and goes on a shared machine
weighs on both alike.

The chart caches what repeats from chart to chart (each string's measure and bitmap, the empty frame of a
panel count and point count; bot/domain/chart_canvas.py, bot/domain/chart.py). Three cases:
- same chart: the same data every run, everything cached (the benchmark's one warm-up draw fills the caches);
- new data each run: new n values, dates and title every run, the frame cached, about half the strings new
  (the goal is checked on this one: it is what a running bot draws);
- cold: caches emptied before each run, as the first chart of a process or of a new shape.
Imports (matplotlib, numpy: about a second) are excluded throughout: the first chart of a process pays them.

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
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain import chart, chart_canvas
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


def points(count: int = 14, seed: int = 0) -> list[ChartPoint]:
    """A busy chart: every series, a hidden period, half of it the previous period. Another seed gives other
    n values and dates (same shape)."""
    out = []
    for i in range(count):
        hidden = i == 4
        n = 12 + i + 7 * seed
        day = 1 + (i + seed) % 28
        out.append(
            ChartPoint(
                label=f"{day:02d}.{(8 + (i + seed) // 28) % 12 + 1:02d}.",
                previous=i < count // 2,
                hidden=hidden,
                autonomy=None if hidden else _need(3.4 + 0.05 * (i % 4), n),
                competence=None if hidden else _need(3.8 - 0.03 * i, n),
                belonging=None if hidden else _need(3.5, n),
                pulse_n=0 if hidden else n,
                enps=None if hidden or i % 3 else 5.0 * i,
                enps_n=0 if hidden or i % 3 else n,
                nps=20.0 + 2 * i,
                nps_n=40 + i + 3 * seed,
                csat=70.0 + i,
                csat_n=20 + i + 5 * seed,
            )
        )
    return out


def labels(seed: int) -> ChartLabels:
    return replace(LABELS, title=f"Team {seed}: people and customers, {1 + seed % 28:02d}.09.2026–30.11.2026")


def empty_figure_png(height: float) -> bytes:
    """The baseline: the least any matplotlib PNG of the chart's size costs (figure, canvas, savefig)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def empty_caches() -> None:
    chart._frame_pickle.cache_clear()
    chart_canvas.clear_caches()


def medians_ms(works: dict[str, Callable[[int], object]], runs: int) -> dict[str, float]:
    """Median ms of each work, the works taking turns run by run; each is called once first (warm-up)."""
    for work in works.values():
        work(-1)
    times: dict[str, list[float]] = {name: [] for name in works}
    for run in range(runs):
        for name, work in works.items():
            started = time.perf_counter()
            work(run)
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    data = points()
    height = build_figure(data, LABELS).get_figheight()
    varied = [(points(seed=seed), labels(seed)) for seed in range(1, args.runs + 1)]

    def cold(_run: int) -> bytes:
        empty_caches()
        return render_trend_chart(data, LABELS)

    ms = medians_ms(
        {
            "baseline": lambda _run: empty_figure_png(height),
            "same": lambda _run: render_trend_chart(data, LABELS),
            "new data": lambda run: render_trend_chart(*varied[run]),
            "cold": cold,
        },
        args.runs,
    )
    base = ms["baseline"]
    print(f"baseline, an empty figure of the same size to PNG: {base:.1f} ms (median of {args.runs})")
    for name, text in (
        ("same", "chart (3 panels, 14 points) to PNG, same chart"),
        ("new data", "chart, new n values, dates and title each run"),
        ("cold", "chart, caches emptied first"),
    ):
        print(f"{text}: {ms[name]:.1f} ms, {ms[name] / base:.1f}x baseline")
    met = ms["new data"] < GOAL_MS
    print(f"goal under {GOAL_MS:.0f} ms with new data each run: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
