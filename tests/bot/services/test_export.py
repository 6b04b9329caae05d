"""The export's formula rule: text a spreadsheet would run is shown as typed."""

from __future__ import annotations

import pytest

from bot.services.export import neutralise_formula

CELLS: dict[object, object] = {
    "=1+1": "'=1+1",
    '=HYPERLINK("http://evil","x")': '\'=HYPERLINK("http://evil","x")',
    "+31 20 555": "'+31 20 555",
    "-ops": "'-ops",
    "@SUM(A1)": "'@SUM(A1)",
    "\t=1": "'\t=1",
    "\r=1": "'\r=1",
    "Acme = great": "Acme = great",
    "": "",
    -12.5: -12.5,  # a negative eNPS stays a number
    7: 7,
}


@pytest.mark.parametrize(("cell", "expected"), CELLS.items())
def test_neutralise_formula(cell: object, expected: object) -> None:
    assert neutralise_formula(cell) == expected
