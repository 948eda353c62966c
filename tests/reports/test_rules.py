"""Pure pieces of the reports: period parameters, content negotiation, the waterfall."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revledger.errors import ValidationFailed
from revledger.kit.calendar import OPEN_ENDED
from revledger.kit.calendar import months_between as months
from revledger.reports.router import wants_csv
from revledger.reports.service import (
    EARLIER,
    LATER,
    build_waterfall,
    parse_period_param,
)

JAN, FEB, MAR, APR = (date(2026, m, 1) for m in (1, 2, 3, 4))


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("Jan'2026", JAN),
        ("jan'2026", JAN),
        ("MAR'2026", MAR),
        ("2026-02", FEB),
        (" Dec'1999 ", date(1999, 12, 1)),
        ("", None),
    ],
)
def test_period_parameters(text: str, start: date | None) -> None:
    assert parse_period_param("start_period", text) == start


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "Jam'2026", "2026", "Jan-2026", "9999-12"])
def test_bad_period_parameters_name_the_parameter(text: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_period_param("end_period", text)
    assert info.value.errors is not None
    assert info.value.errors[0].field == "end_period"


@pytest.mark.parametrize(
    ("accept", "csv"),
    [
        (None, False),
        ("*/*", False),
        ("application/json", False),
        ("text/csv", True),
        ("TEXT/CSV; charset=utf-8", True),
        ("text/csv, application/json", True),
        ("application/json, text/csv", False),
    ],
)
def test_csv_is_asked_for_by_accept(accept: str | None, csv: bool) -> None:
    assert wants_csv(accept) is csv


def test_waterfall_rows_before_inside_and_after_the_range() -> None:
    cells = [
        # billed in Jan (before a Feb-Mar range): 10 in Jan, 20 in Feb, 30 open-ended
        ("USD", JAN, JAN, 10),
        ("USD", JAN, FEB, 20),
        ("USD", JAN, OPEN_ENDED, 30),
        # billed in Feb: 5 in Feb, 7 in Apr (after the range)
        ("USD", FEB, FEB, 5),
        ("USD", FEB, APR, 7),
        # billed in Apr, recognized in Mar (backdated): billed 0 as of the range's end
        ("USD", APR, MAR, 4),
        ("EUR", MAR, MAR, 9),
    ]
    built = build_waterfall(cells, FEB, MAR)
    assert sorted(built) == ["EUR", "USD"]
    rows = dict(built["USD"].rows)
    assert list(rows) == [EARLIER, FEB, LATER]
    earlier, feb, later = rows[EARLIER], rows[FEB], rows[LATER]
    assert (earlier.billed, earlier.before, dict(earlier.cells)) == (60, 10, {FEB: 20})
    assert earlier.billed - earlier.recognized_to_date() == 30  # the open-ended part
    assert (feb.billed, feb.before, dict(feb.cells)) == (12, 0, {FEB: 5})
    assert (later.billed, dict(later.cells), later.recognized_to_date()) == (0, {MAR: 4}, 4)
    # summary: (period, billed in, recognized in, billed to date, recognized to date)
    assert built["USD"].summary == [(FEB, 12, 25, 72, 35), (MAR, 0, 4, 72, 39)]
    total = built["USD"].total
    assert (total.billed, total.recognized_to_date()) == (72, 39)
    assert built["EUR"].summary == [(FEB, 0, 0, 0, 0), (MAR, 9, 9, 9, 9)]


cell = st.tuples(
    st.sampled_from(["USD", "EUR"]),
    st.integers(0, 23),
    st.one_of(st.integers(0, 23), st.just(-1)),  # -1: open-ended
    st.integers(-(10**9), 10**9),
)


@given(st.lists(cell, max_size=40), st.integers(0, 23), st.integers(0, 23))
def test_rows_sum_to_the_last_summary_and_every_line_balances(raw, a, b) -> None:  # type: ignore[no-untyped-def]
    all_months = months(date(2025, 1, 1), date(2026, 12, 1))
    cells = [
        (c, all_months[bp], OPEN_ENDED if ps < 0 else all_months[ps], amount)
        for c, bp, ps, amount in raw
    ]
    first, last = sorted((all_months[a], all_months[b]))
    # what the repository's WHERE keeps
    kept = [x for x in cells if x[1] <= last or x[2] <= last]
    built = build_waterfall(kept, first, last)
    for currency, part in built.items():
        total = part.total
        *_, (p, _billed, _recognized, billed_to_date, recognized_to_date) = part.summary
        assert p == last
        assert total.billed == billed_to_date
        assert total.recognized_to_date() == recognized_to_date
        expected_billed = sum(x[3] for x in cells if x[0] == currency and x[1] <= last)
        expected_recognized = sum(x[3] for x in cells if x[0] == currency and x[2] <= last)
        assert (billed_to_date, recognized_to_date) == (expected_billed, expected_recognized)
        for p, billed_in, recognized_in, _b, _r in part.summary:
            assert billed_in == sum(x[3] for x in cells if x[0] == currency and x[1] == p)
            assert recognized_in == sum(x[3] for x in cells if x[0] == currency and x[2] == p)
