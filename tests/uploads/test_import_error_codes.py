"""Stage errors of customers, plans and invoices rows: the code and the column come from
the import's typed field errors, never from reading their message text."""

from __future__ import annotations

from typing import Any

from revledger.db import Database
from revledger.uploads import service
from revledger.uploads.rules import Converter, Problem, layout
from revledger.uploads.templates import BUILTIN
from tests.conftest import Tenant
from tests.uploads.helpers import csv_text, errors, get, upload

DAY = "2026-01-01T00:00:00Z"
INVOICE = {
    "id": "i1",
    "customer_id": "c1",
    "data_source": "stripe",
    "type": "subscription",
    "date": DAY,
    "amount_cents": "9900",
    "currency": "USD",
    "plan_id": "p1",
    "subscription_id": "sub1",
    "start_date": DAY,
    "end_date": "2026-02-01T00:00:00Z",
}
INVOICE_HEADER = list(INVOICE)


def _invoice(**cells: str) -> list[str]:
    return list({**INVOICE, **cells}.values())


def _stage_errors(tenant: Tenant, upload_id: str) -> list[tuple[int, str, str | None, str, str]]:
    return [
        (e["row_number"], e["column"], e["value"], e["code"], e["message"])
        for e in errors(tenant, upload_id)
    ]


def _setup(tenant: Tenant) -> None:
    tenant.source("stripe")
    customers = csv_text([["c1", "stripe", "Acme"]], ["id", "data_source", "name"])
    assert get(tenant, upload(tenant, customers, template="customers")["id"])["rows_posted"] == 1
    plan = {"id": "p1", "data_source": "stripe", "interval_unit": "month", "currency": "USD"}
    plans = csv_text([list(plan.values())], list(plan))
    assert get(tenant, upload(tenant, plans, template="plans")["id"])["rows_posted"] == 1


class _Dropping(Converter):
    """The built-in converter, but a cell reading DROP leaves its field out of the record
    (a template cannot make `id` optional, so this is how a row reaches the import
    without one)."""

    def convert(self, cells: list[str]) -> tuple[dict[str, Any], list[Problem]]:
        record, problems = super().convert(cells)
        return {k: v for k, v in record.items() if v != "DROP"}, problems


def test_post_rows_takes_codes_and_columns_from_the_typed_field_errors(
    tenant: Tenant, database: Database
) -> None:
    _setup(tenant)
    lay = layout(BUILTIN["invoices"], INVOICE_HEADER)
    rows = [
        _invoice(id="DROP"),
        _invoice(id="i2", customer_id="c9"),
        _invoice(id="i3", plan_id="p9"),
        _invoice(id="i4", currency="US"),
        _invoice(id="i5"),
    ]
    numbered = [(n, n + 1, cells) for n, cells in enumerate(rows, start=1)]
    session = database.session(write=True)
    try:
        judged = service.post_rows(
            session, tenant.workspace_id, lay, _Dropping(lay, None), numbered
        )
        got = [(j.row_number, j.status, [p.out() for p in j.problems]) for j in judged]
    finally:
        session.rollback()
        session.close()
    assert got == [
        (1, "error", [_p("id", "DROP", "MISSING_VALUE", "Missing invoice ID")]),
        (
            2,
            "error",
            [_p("customer_id", "c9", "UNKNOWN_REFERENCE", "Customer ID c9 does not exist")],
        ),
        (3, "error", [_p("plan_id", "p9", "UNKNOWN_REFERENCE", "Plan ID p9 does not exist")]),
        (
            4,
            "error",
            [
                _p(
                    "currency",
                    "US",
                    "INVALID",
                    "Invalid currency 'US': must be a 3-letter ISO 4217 currency code",
                )
            ],
        ),
        (5, "posted", []),
    ]


def _p(column: str, value: str, code: str, message: str) -> dict[str, Any]:
    return {"column": column, "value": value, "code": code, "message": message}


def test_invoice_rows_unknown_customer_unknown_plan_bad_currency_missing_subscription(
    tenant: Tenant,
) -> None:
    _setup(tenant)
    rows = [
        _invoice(id="i1", type="one-time", plan_id="x", customer_id="c1", currency="EUR"),
        _invoice(id="i2", customer_id="c9"),
        _invoice(id="i3", plan_id="p9"),
        _invoice(id="i4", currency="US"),
        _invoice(id="i5", subscription_id=""),
        _invoice(id="i6"),
    ]
    done = upload(tenant, csv_text(rows, INVOICE_HEADER), template="invoices")
    assert (get(tenant, done["id"])["rows_error"], get(tenant, done["id"])["rows_posted"]) == (5, 1)
    assert _stage_errors(tenant, done["id"]) == [
        (1, "plan_id", "x", "UNKNOWN_REFERENCE", "Plan ID x does not exist"),
        (2, "customer_id", "c9", "UNKNOWN_REFERENCE", "Customer ID c9 does not exist"),
        (3, "plan_id", "p9", "UNKNOWN_REFERENCE", "Plan ID p9 does not exist"),
        (
            4,
            "currency",
            "US",
            "INVALID",
            "Invalid currency 'US': must be a 3-letter ISO 4217 currency code",
        ),
        (
            5,
            "subscription_id",
            "",
            "MISSING_VALUE",
            "Missing subscription_id: a subscription invoice needs a subscription",
        ),
    ]


def test_customer_and_plan_rows_unknown_source_bad_values(tenant: Tenant) -> None:
    _setup(tenant)
    customers = csv_text(
        [["c2", "nowhere", "Beta", "DE"], ["c3", "stripe", "C", "XX"]],
        ["id", "data_source", "name", "country"],
    )
    done = upload(tenant, customers, template="customers")
    assert _stage_errors(tenant, done["id"]) == [
        (1, "data_source", "nowhere", "UNKNOWN_REFERENCE", "Data source nowhere does not exist"),
        (
            2,
            "country",
            "XX",
            "INVALID",
            "Invalid country 'XX': must be an ISO 3166-1 alpha-2 country code",
        ),
    ]
    plans = csv_text(
        [["p2", "stripe", "Pro", "0", "fortnight"]],
        ["id", "data_source", "name", "interval_count", "interval_unit"],
    )
    done = upload(tenant, plans, template="plans")
    assert _stage_errors(tenant, done["id"]) == [
        (
            1,
            "interval_count",
            "0",
            "INVALID",
            "Invalid interval_count '0': must be an integer from 1 to 1000",
        ),
        (
            1,
            "interval_unit",
            "fortnight",
            "INVALID",
            "Invalid interval_unit 'fortnight': must be one of day, week, month, year",
        ),
    ]


def test_a_message_that_reads_like_another_never_changes_the_code(tenant: Tenant) -> None:
    """A value quoted in a message ('does not exist', '; ') is only text: the row's code
    and column stay those of the check that failed, and it stays one problem."""
    _setup(tenant)
    customers = csv_text(
        [["c2", "stripe", "Beta", "x does not exist; Missing name"]],
        ["id", "data_source", "name", "email"],
    )
    done = upload(tenant, customers, template="customers")
    assert _stage_errors(tenant, done["id"]) == [
        (
            1,
            "email",
            "x does not exist; Missing name",
            "INVALID",
            "Invalid email 'x does not exist; Missing name': must be an email address",
        )
    ]
