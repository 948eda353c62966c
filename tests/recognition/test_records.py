"""The typed records stay in step with the tables and the response models they mirror,
and schedule and event numbers read back what they write."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from revledger.invoices.models import Invoice
from revledger.recognition import records, repository, schemas, service
from revledger.recognition.rules import (
    event_number,
    parse_event_number,
    parse_schedule_number,
    schedule_number,
)
from revledger.revenues.models import Revenue


def _keys(typed_dict: Any) -> set[str]:
    return set(typed_dict.__required_keys__ | typed_dict.__optional_keys__)


@pytest.mark.parametrize(
    ("row", "table"),
    [
        (records.ScheduleRow, repository.SCHEDULES),
        (records.EventRow, repository.EVENTS),
        (records.ItemRow, repository.ITEMS),
    ],
)
def test_rows_have_exactly_their_tables_columns(row: Any, table: Any) -> None:
    assert _keys(row) == {c.name for c in table.columns}


def test_what_recognition_reads_of_posted_rows_is_stored_there() -> None:
    assert _keys(records.PostedInvoice) <= {c.name for c in Invoice.__table__.columns}
    assert _keys(records.PostedRevenue) <= {c.name for c in Revenue.__table__.columns}


def test_schedule_filters_name_columns() -> None:
    assert _keys(records.ScheduleFilters) <= {c.name for c in repository.SCHEDULES.columns}


@pytest.mark.parametrize(
    ("wire", "model"),
    [
        (service.ScheduleOrigin, schemas.ScheduleOrigin),
        (service.ScheduleOut, schemas.ScheduleOut),
        (service.ScheduleList, schemas.ScheduleList),
        (service.DistributedSchedule, schemas.DistributedSchedule),
        (service.RevenueItemOut, schemas.RevenueItemOut),
        (service.RevenueEventOut, schemas.RevenueEventOut),
        (service.RevenueEventsPage, schemas.RevenueEventsPage),
    ],
)
def test_wire_shapes_have_their_models_fields(wire: Any, model: type[BaseModel]) -> None:
    assert _keys(wire) == set(model.model_fields)


def test_numbers_read_back_what_they_write() -> None:
    assert schedule_number(1) == "RS-00000001"
    assert event_number(12345678) == "RE-12345678"
    assert parse_schedule_number(schedule_number(42)) == 42
    assert parse_event_number(event_number(42)) == 42


@pytest.mark.parametrize("text", ["rs-00000001", "RS-1", " RS-00000001", "RE-00000001", "RS-"])
def test_exact_schedule_numbers_only(text: str) -> None:
    assert parse_schedule_number(text) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [("rs-1", 1), (" RS-00000042 ", 42), ("RS-123456789012345", 123456789012345)],
)
def test_loose_numbers(text: str, number: int) -> None:
    assert parse_schedule_number(text, loose=True) == number
    assert parse_event_number(text.replace("S", "E").replace("s", "e"), loose=True) == number


@pytest.mark.parametrize("text", ["RS-1234567890123456", "RS-", "RS-1x", "RE-1", "S-1"])
def test_loose_numbers_still_need_the_prefix_and_digits(text: str) -> None:
    assert parse_schedule_number(text, loose=True) is None
