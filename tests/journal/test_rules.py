"""The pure journal rules: sides, refunds, Open-Ended items, summaries, differences."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from revledger.accounts.rules import account_name_problem
from revledger.journal.rules import (
    Accounts,
    Line,
    balances,
    difference,
    entry_lines,
    summarize,
)
from revledger.kit.calendar import OPEN_ENDED

ACC = Accounts("AR", "DEF", "REV", "REF")
JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)


def sides(lines: list[Line]) -> list[tuple[str, int, int]]:
    return [(x.account, x.debit, x.credit) for x in lines]


def test_posting_and_recognition() -> None:
    lines = entry_lines(ACC, False, 1000, "USD", JAN, [(FEB, 600), (JAN, 400)])
    assert sides(lines) == [
        ("AR", 1000, 0),
        ("DEF", 0, 1000),
        ("DEF", 400, 0),
        ("REV", 0, 400),
        ("DEF", 600, 0),
        ("REV", 0, 600),
    ]
    assert [x.period_start for x in lines] == [JAN, JAN, JAN, JAN, FEB, FEB]
    assert [x.kind for x in lines] == ["billed"] * 2 + ["recognized"] * 4


def test_a_refund_debits_refunds_and_open_ended_is_not_recognized() -> None:
    lines = entry_lines(ACC, True, -300, "USD", JAN, [(JAN, -100), (OPEN_ENDED, -200)])
    assert sides(lines) == [("DEF", 300, 0), ("AR", 0, 300), ("REF", 100, 0), ("DEF", 0, 100)]


def test_a_distribution_posts_nothing_and_zero_items_make_no_line() -> None:
    lines = entry_lines(ACC, False, 0, "USD", JAN, [(OPEN_ENDED, -50), (FEB, 50), (JAN, 0)])
    assert sides(lines) == [("DEF", 50, 0), ("REV", 0, 50)]


def test_difference_keeps_only_what_is_new() -> None:
    now = {("AR", "USD", JAN): (150, 0), ("DEF", "USD", JAN): (0, 150)}
    sent = {("AR", "USD", JAN): (100, 0), ("DEF", "USD", JAN): (0, 100)}
    assert sides(difference(now, sent)) == [("AR", 50, 0), ("DEF", 0, 50)]
    assert difference(now, now) == []
    # a (never expected) shrink is written on the other side, still balanced
    assert sides(difference(sent, now)) == [("AR", 0, 50), ("DEF", 50, 0)]


def test_account_names() -> None:
    assert account_name_problem("4000 Revenue") is None
    assert account_name_problem("") is not None
    assert account_name_problem("=1+1") is not None
    assert account_name_problem("a\x00b") is not None
    assert account_name_problem("x" * 201) is not None


amounts = st.integers(-(10**15), 10**15)
periods = st.sampled_from([JAN, FEB, date(2026, 3, 1), OPEN_ENDED])
events = st.tuples(
    st.booleans(),
    amounts,
    st.sampled_from(["USD", "EUR"]),
    st.lists(st.tuples(periods, amounts), max_size=5, unique_by=lambda t: t[0]),
)


@given(st.lists(events, max_size=8), st.integers(0, 8))
def test_entries_summaries_and_differences_balance(batch: list, split: int) -> None:  # type: ignore[type-arg]
    entries = [entry_lines(ACC, r, a, c, JAN, items) for r, a, c, items in batch]
    for lines in entries:
        for debit, credit in balances(lines).values():
            assert debit == credit
        assert all(
            x.debit >= 0 and x.credit >= 0 and (x.debit == 0 or x.credit == 0) for x in lines
        )
    everything = [x for lines in entries for x in lines]
    earlier = [x for lines in entries[:split] for x in lines]
    first = difference(summarize(earlier), {})
    second = difference(summarize(everything), summarize(first))
    for debit, credit in balances(second).values():
        assert debit == credit
    # the two differences add up to everything: nothing twice, nothing lost
    assert summarize(first + second) == {
        k: v for k, v in summarize(everything).items() if v != (0, 0)
    }
