from __future__ import annotations

import math
import struct
import subprocess
import sys
import threading
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.domain.chart import ChartLabels, ChartPoint, NeedPoint, build_figure, render_trend_chart

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

LABELS = ChartLabels(
    title="Team trend",
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
    no_pulse="No pulse round closed",
    no_cx="No NPS or eNPS data",
    n_row="n",
)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    length, chunk_type = struct.unpack(">I4s", data[8:16])
    assert chunk_type == b"IHDR"
    assert length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    pos = 8
    out: list[tuple[bytes, bytes]] = []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(ctype + body) == crc
        out.append((ctype, body))
        pos += 12 + length
    return out


def _need(mean: float, n: int = 7) -> NeedPoint:
    return NeedPoint(mean=mean, low=mean - 0.4, high=mean + 0.4, n=n)


def _point(i: int, gap: bool = False, previous: bool = False, csat: float | None = None) -> ChartPoint:
    return ChartPoint(
        label=f"{i + 1:02d}.11.",
        previous=previous,
        hidden=gap,
        autonomy=None if gap else _need(3.0 + 0.1 * (i % 5), 7 + i),
        competence=None if gap else _need(3.5 - 0.05 * i, 7 + i),
        belonging=None if gap else _need(4.0, 6 + i),
        pulse_n=0 if gap else 7 + i,
        enps=None if gap else 10.0,
        enps_n=0 if gap else 7 + i,
        nps=-40.0 + 10.0 * i,
        nps_n=20 + i,
        csat=csat,
        csat_n=0 if csat is None else 30 + i,
    )


def _empty(label: str, hidden: bool = False) -> ChartPoint:
    return ChartPoint(label, False, hidden, None, None, None, 0, None, 0, None, 0, None, 0)


def _mixed_points() -> list[ChartPoint]:
    points = [_point(i, previous=i < 6, csat=70.0 + i) for i in range(12)]
    points[3] = _point(3, gap=True, previous=True)
    points[8] = _empty("09.11.", hidden=True)
    return points


CASES = {
    "twelve points, gaps, previous period, CSAT": _mixed_points(),
    "all needs hidden": [_empty(f"0{i}.11.", hidden=True) for i in range(1, 5)],
    "nothing at all": [_empty(f"0{i}.11.") for i in range(1, 5)],
    "no points": [],
    "single point": [_point(0)],
    "fourteen points": [_point(i, previous=i < 7) for i in range(14)],
    "extreme values": [
        ChartPoint("A", False, False, _need(1.0), _need(5.0), _need(1.0), 5, -100.0, 5, -100.0, 9, 0.0, 3),
        ChartPoint("B", False, False, _need(5.0), _need(1.0), _need(5.0), 5, 100.0, 5, 100.0, 9, 100.0, 3),
    ],
}


@pytest.mark.parametrize("points", list(CASES.values()), ids=list(CASES))
def test_renders_png_of_slack_preview_size(points: list[ChartPoint]) -> None:
    data = render_trend_chart(points, LABELS)
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 5_000
    assert len(data) < 1_000_000
    width, height = _png_size(data)
    assert width == 640  # Slack on a phone shows it at about 360 px: fonts are sized for that
    assert 700 <= height <= 1100
    chunks = _chunks(data)
    assert chunks[-1][0] == b"IEND"


def test_png_has_no_timestamp_or_software_metadata() -> None:
    data = render_trend_chart(_mixed_points(), LABELS)
    types = {ctype for ctype, _ in _chunks(data)}
    assert b"tIME" not in types
    texts = b"".join(body for ctype, body in _chunks(data) if ctype in {b"tEXt", b"iTXt", b"zTXt"})
    assert b"Software" not in texts
    assert b"matplotlib" not in texts.lower()


def test_rendering_is_deterministic() -> None:
    points = _mixed_points()
    assert render_trend_chart(points, LABELS) == render_trend_chart(points, LABELS)


def _texts(fig: Any) -> list[str]:
    return [text.get_text() for ax in fig.axes for text in ax.texts]


def _legend(ax: Any) -> list[str]:
    legend = ax.get_legend()
    return [] if legend is None else [text.get_text() for text in legend.get_texts()]


def test_two_panels_with_their_own_axes_and_a_third_for_csat() -> None:
    without_csat = build_figure([_point(i) for i in range(4)], LABELS)
    assert len(without_csat.axes) == 2
    needs, cx = without_csat.axes
    assert needs.get_ylim() == (1.0, 5.0) and cx.get_ylim() == (-100.0, 100.0)
    with_csat = build_figure(_mixed_points(), LABELS)
    assert [ax.get_ylim() for ax in with_csat.axes] == [(1.0, 5.0), (-100.0, 100.0), (0.0, 100.0)]


def test_every_point_is_drawn_at_its_place_with_its_band_and_n() -> None:
    points = _mixed_points()
    fig = build_figure(points, LABELS)
    needs_ax = fig.axes[0]
    lines = {line.get_gid(): line for ax in fig.axes for line in ax.get_lines() if line.get_gid()}
    for need in ("autonomy", "competence", "belonging"):
        expected = [math.nan if getattr(p, need) is None else getattr(p, need).mean for p in points]
        drawn = list(lines[f"line:{need}"].get_ydata())
        assert [d if d == d else None for d in drawn] == [e if e == e else None for e in expected]
    bands = [c.get_gid() for c in needs_ax.collections]
    assert {"band:autonomy", "band:competence", "band:belonging"} <= set(bands)
    assert [None if y != y else y for y in lines["line:nps"].get_ydata()] == [p.nps for p in points]
    # n under the needs panel: one per point with pulse data, none for the hidden ones.
    needs_n = [t.get_text() for t in needs_ax.texts if t.get_gid() == "n"]
    assert needs_n == [str(p.pulse_n) for p in points if p.pulse_n]
    # Hidden periods are marked in their gap; the previous period is named.
    assert _texts(fig).count("n < 5") == sum(p.hidden for p in points) == 2
    assert "previous period" in _texts(fig)


def test_the_x_axis_is_exactly_the_points_given() -> None:
    points = [_point(i, previous=i < 3) for i in range(6)]
    fig = build_figure(points, LABELS)
    bottom = fig.axes[-1]
    assert [t.get_text() for t in bottom.get_xticklabels()] == [p.label for p in points]
    assert bottom.get_xlim() == (-0.5, 5.5)
    assert "previous period" not in _texts(build_figure(points[3:], LABELS))


def test_legend_only_for_series_with_data() -> None:
    points = [_point(i) for i in range(4)]
    fig = build_figure(points, LABELS)
    assert _legend(fig.axes[0]) == ["Autonomy", "Competence", "Belonging"]
    assert _legend(fig.axes[1]) == ["NPS", "eNPS"]
    no_cx = [replace(p, nps=None, nps_n=0, enps=None, enps_n=0) for p in points]
    fig = build_figure(no_cx, LABELS)
    assert _legend(fig.axes[1]) == []
    assert "No NPS or eNPS data" in _texts(fig)
    only_autonomy = [replace(p, competence=None, belonging=None) for p in points]
    assert _legend(build_figure(only_autonomy, LABELS).axes[0]) == ["Autonomy"]


def test_no_pulse_at_all_says_so() -> None:
    assert "No pulse round closed" in _texts(build_figure(CASES["nothing at all"], LABELS))
    assert "No pulse round closed" not in _texts(build_figure(CASES["all needs hidden"], LABELS))


def test_renders_from_several_threads() -> None:
    points = _mixed_points()
    expected = render_trend_chart(points, LABELS)
    results: list[bytes] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(render_trend_chart(points, LABELS))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == [expected] * 4


def test_module_imports_without_pyplot_or_display() -> None:
    code = (
        "import sys; import bot.domain.chart as c; "
        "c.render_trend_chart([], c.ChartLabels(*'abcdefghijklmno')); "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "MPLBACKEND": "", "DISPLAY": ""},
        cwd=str(Path(__file__).resolve().parents[3]),
    )
    assert proc.returncode == 0, proc.stderr


def test_a_point_standing_alone_gets_its_interval_as_a_bar() -> None:
    """A band needs a neighbour: a first round's lone point would otherwise show no interval at all."""
    points = [_empty("03.11."), _point(1), _empty("17.11."), _point(3), _point(4)]
    needs_ax = build_figure(points, LABELS).axes[0]
    bars = {c.get_gid(): c for c in needs_ax.collections if str(c.get_gid()).startswith("bar:")}
    assert set(bars) == {"bar:autonomy", "bar:competence", "bar:belonging"}
    [segment] = bars["bar:autonomy"].get_segments()  # only x = 1 stands alone; 3 and 4 make a band
    assert segment[0][0] == pytest.approx(1 - 0.12)
    autonomy = points[1].autonomy
    assert autonomy is not None and sorted(segment[:, 1]) == pytest.approx([autonomy.low, autonomy.high])


def test_png_is_opaque_rgb_with_the_chart_dpi() -> None:
    """The canvas is drawn opaque, so the PNG is 8-bit RGB (no alpha channel to encode), at 100 dpi."""
    data = render_trend_chart(_mixed_points(), LABELS)
    chunks = dict(_chunks(data))
    _width, _height, bit_depth, color_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (bit_depth, color_type) == (8, 2)  # truecolour, no alpha
    x_per_m, y_per_m, unit = struct.unpack(">IIB", chunks[b"pHYs"])
    assert unit == 1 and x_per_m == y_per_m == round(100 / 0.0254)
