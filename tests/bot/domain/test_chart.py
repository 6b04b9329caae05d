from __future__ import annotations

import struct
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import pytest

from bot.domain.chart import ChartLabels, ChartPoint, render_trend_chart

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

LABELS = ChartLabels(
    title="Team trend",
    needs_axis="Needs (1–5)",
    nps_axis="NPS",
    autonomy="Autonomy",
    competence="Competence",
    belonging="Belonging",
    nps="NPS",
    suppressed_note="Too few answers to show (anonymity)",
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


def _point(i: int, gap: bool = False) -> ChartPoint:
    return ChartPoint(
        label=f"W{i + 1:02d}",
        autonomy=None if gap else 3.0 + 0.1 * (i % 5),
        competence=None if gap else 3.5 - 0.05 * i,
        belonging=None if gap else 4.0,
        nps=None if gap else -40.0 + 10.0 * i,
    )


def _mixed_points() -> list[ChartPoint]:
    points = [_point(i) for i in range(12)]
    points[3] = _point(3, gap=True)
    points[7] = ChartPoint("W08", None, 3.2, None, None)
    points[11] = ChartPoint("W12", 4.1, None, 2.0, 55.0)
    return points


CASES = {
    "twelve points with gaps": _mixed_points(),
    "all needs suppressed": [ChartPoint(f"W{i}", None, None, None, 10.0 * i) for i in range(6)],
    "everything suppressed": [ChartPoint(f"W{i}", None, None, None, None) for i in range(4)],
    "no points": [],
    "single point": [_point(0)],
    "more than twelve points": [_point(i) for i in range(20)],
    "extreme values": [ChartPoint("A", 1.0, 5.0, 1.0, -100.0), ChartPoint("B", 5.0, 1.0, 5.0, 100.0)],
}


@pytest.mark.parametrize("points", list(CASES.values()), ids=list(CASES))
def test_renders_png_of_slack_preview_size(points: list[ChartPoint]) -> None:
    data = render_trend_chart(points, LABELS)
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 5_000
    assert len(data) < 1_000_000
    assert _png_size(data) == (1000, 550)
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


def test_only_last_twelve_points_are_drawn() -> None:
    many = [_point(i) for i in range(20)]
    assert render_trend_chart(many, LABELS) == render_trend_chart(many[-12:], LABELS)


def test_suppressed_note_changes_the_image() -> None:
    points = CASES["all needs suppressed"]
    other = ChartLabels(**{**LABELS.__dict__, "suppressed_note": "Something else entirely"})
    assert render_trend_chart(points, LABELS) != render_trend_chart(points, other)


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
        "c.render_trend_chart([], c.ChartLabels(*'abcdefgh')); "
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
