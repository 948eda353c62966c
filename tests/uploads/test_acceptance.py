"""Issue 5 read to the letter: the errors CSV goes back (repost or new upload), repost
by key, every target's staged errors, scopes naming the target, timestamps, bare
text/csv bodies, empty files, lists, templates without a timezone."""

from __future__ import annotations

import csv
import io
import threading
from typing import Any

from tests.conftest import Tenant
from tests.uploads.helpers import HEADER, csv_text, errors, get, revenue_ids, sales, upload

INVOICE_HEADER = [
    "id",
    "customer_id",
    "data_source",
    "type",
    "date",
    "amount_cents",
    "currency",
    "start_date",
    "end_date",
]


def _invoice(invoice_id: str, customer_id: str) -> list[str]:
    day = "2026-01-01T00:00:00Z"
    return [invoice_id, customer_id, "stripe", "one-time", day, "500", "USD", day, day]


def _errors_csv(tenant: Tenant, upload_id: str) -> str:
    response = tenant.http.get(
        f"/api/v1/uploads/{upload_id}/errors", headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200, response.text
    return response.text


def _refund_file() -> str:
    return csv_text([*sales(2), ["refund", "5.00", "USD", "2026-05-31T10:00:00Z", "r-1"]])


def test_the_errors_csv_goes_back_as_a_new_upload_by_its_headers(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    first = upload(tenant, _refund_file(), source=source)
    assert get(tenant, first["id"])["rows_error"] == 1
    fixed = _errors_csv(tenant, first["id"]).replace(",5.00,", ",-5.00,")
    # No template named: the error columns do not stop the headers choosing `revenues`.
    again = upload(tenant, fixed, source=source, filename="fixed.csv")
    assert again["template"] == "revenues"
    done = get(tenant, again["id"])
    assert (done["status"], done["rows_posted"], done["rows_error"]) == ("completed", 1, 0)
    assert revenue_ids(tenant) == ["r-1", "s0", "s1"]


def test_repost_of_a_semicolon_template_uses_its_delimiter(tenant: Tenant) -> None:
    template = {
        "name": "eu",
        "target": "revenues",
        "columns": [
            {"header": "Ref", "field": "external_id", "required": True},
            {"header": "Datum", "field": "occurred_at", "required": True},
            {"header": "Betrag", "field": "amount", "required": True},
            {"header": "Art", "field": "type", "required": True},
            {"header": "Currency", "field": "currency", "default": "EUR"},
        ],
        "date_format": "%d.%m.%Y",
        "timezone": "Europe/Berlin",
        "delimiter": ";",
        "decimal_separator": ",",
    }
    assert tenant.http.post("/api/v1/upload-templates", json=template).status_code == 201
    source = tenant.source("shop")
    text = "Ref;Datum;Betrag;Art\na;01.03.2026;1.234,50;sale\nb;02.03.2026;7,25;refund\n"
    data = upload(tenant, text, template="eu", source=source)
    assert get(tenant, data["id"])["status"] == "completed_with_errors"
    kept = _errors_csv(tenant, data["id"])
    assert kept.splitlines()[0] == (
        "error_row_number;error_column;error_code;error_message;Ref;Datum;Betrag;Art"
    )
    assert kept.splitlines()[1].startswith("2;Betrag;INVALID;")
    fixed = kept.replace(";7,25;", ";-7,25;")
    response = tenant.http.post(
        f"/api/v1/uploads/{data['id']}/errors/repost",
        files={"file": ("fixed.csv", fixed.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["rows_posted"] == 1
    assert get(tenant, data["id"])["status"] == "completed"
    amounts = {
        r["external_id"]: r["amount"] for r in tenant.http.get("/api/v1/revenues").json()["data"]
    }
    assert amounts == {"a": "1234.500", "b": "-7.250"}


def test_repost_by_key_without_the_error_columns(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    rows = [
        *sales(1),
        ["refund", "5.00", "USD", "2026-05-31T10:00:00Z", "r-1"],
        ["refund", "6.00", "USD", "2026-05-31T10:00:00Z", "r-2"],
    ]
    data = upload(tenant, csv_text(rows), source=source)
    assert get(tenant, data["id"])["rows_error"] == 2
    # The user's own fixed file: the upload's columns, no error_* columns.
    fixed = csv_text(
        [
            ["refund", "-5.00", "USD", "2026-05-31T10:00:00Z", "r-1"],
            ["refund", "-5.00", "USD", "2026-05-31T10:00:00Z", "unknown"],
        ]
    )
    response = tenant.http.post(
        f"/api/v1/uploads/{data['id']}/errors/repost",
        content=fixed.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    result = response.json()["data"]
    assert (result["rows_total"], result["rows_posted"], result["rows_error"]) == (2, 1, 1)
    assert [(e["line"], e["code"]) for e in result["errors"]] == [(3, "NOT_STAGED")]
    assert [e["row_number"] for e in errors(tenant, data["id"])] == [3]
    assert "unknown" not in revenue_ids(tenant) and "r-1" in revenue_ids(tenant)
    no_key = tenant.http.post(
        f"/api/v1/uploads/{data['id']}/errors/repost",
        content=b"type,amount\nsale,1\n",
        headers={"Content-Type": "text/csv"},
    )
    assert no_key.status_code == 422 and no_key.json()["errors"][0]["field"] == "file"


def test_repost_rows_with_wrong_cells_or_twice_stay_staged(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    data = upload(tenant, _refund_file(), source=source)
    header = ["error_row_number", *HEADER]
    fixed = csv_text(
        [
            ["3", "refund", "-5.00", "USD"],  # a cell short
            ["3", "refund", "-5.00", "USD", "2026-05-31T10:00:00Z", "r-1"],
            ["3", "refund", "-5.00", "USD", "2026-05-31T10:00:00Z", "r-1"],  # again
        ],
        header,
    )
    response = tenant.http.post(
        f"/api/v1/uploads/{data['id']}/errors/repost",
        files={"file": ("fixed.csv", fixed.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    result = response.json()["data"]
    # One line per staged row: the first line corrects row 3 (badly: it stays staged,
    # with its new error), the two others are refused as second corrections.
    assert sorted(e["code"] for e in result["errors"]) == [
        "NOT_STAGED",
        "NOT_STAGED",
        "WRONG_CELL_COUNT",
    ]
    assert (result["rows_total"], result["rows_posted"], result["rows_error"]) == (3, 0, 3)
    assert [(e["row_number"], e["code"]) for e in errors(tenant, data["id"])] == [
        (3, "WRONG_CELL_COUNT")
    ]
    assert "r-1" not in revenue_ids(tenant)
    assert get(tenant, data["id"])["rows_error"] == 1


def test_invoice_of_an_unknown_customer_is_staged_then_reposted(tenant: Tenant) -> None:
    tenant.source("stripe")
    text = csv_text([_invoice("i1", "c1"), _invoice("i2", "c2")], INVOICE_HEADER)
    created = tenant.http.post(
        "/api/v1/customers", json={"id": "c1", "data_source": "stripe", "name": "A"}
    )
    assert created.status_code == 200, created.text
    data = upload(tenant, text)
    assert data["template"] == "invoices"
    done = get(tenant, data["id"])
    assert (done["status"], done["rows_posted"], done["rows_error"]) == (
        "completed_with_errors",
        1,
        1,
    )
    [error] = errors(tenant, data["id"])
    assert (error["row"], error["column"], error["value"], error["code"]) == (
        2,
        "customer_id",
        "c2",
        "UNKNOWN_REFERENCE",
    )
    staged = tenant.http.get("/api/v1/stage-errors", params={"target": "invoices"}).json()
    assert [(e["upload_id"], e["row_number"]) for e in staged["data"]] == [(data["id"], 2)]

    kept = _errors_csv(tenant, data["id"])
    too_early = tenant.http.post(
        f"/api/v1/uploads/{data['id']}/errors/repost",
        content=kept.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert too_early.json()["data"]["rows_error"] == 1  # the customer still does not exist
    created = tenant.http.post(
        "/api/v1/customers", json={"id": "c2", "data_source": "stripe", "name": "B"}
    )
    assert created.status_code == 200, created.text
    reposted = tenant.http.post(
        f"/api/v1/uploads/{data['id']}/errors/repost",
        content=kept.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert reposted.status_code == 200, reposted.text
    assert reposted.json()["data"]["rows_posted"] == 1
    assert get(tenant, data["id"])["status"] == "completed"
    assert tenant.http.get("/api/v1/stage-errors").json()["data"] == []
    listed = tenant.http.get("/api/v1/invoices", params={"source": "stripe"}).json()
    assert sorted(i["id"] for i in listed["result"]["list"]) == ["i1", "i2"]


def test_customers_by_their_headers_with_custom_variables(tenant: Tenant) -> None:
    tenant.source("stripe")
    text = csv_text(
        [["c1", "stripe", "Acme", "gold", "eu"]],
        ["id", "data_source", "name", "custom_variables.tier", "custom_variables.region"],
    )
    data = upload(tenant, text)
    assert data["template"] == "customers"
    assert get(tenant, data["id"])["rows_posted"] == 1
    listed = tenant.http.get("/api/v1/customers", params={"source": "stripe"}).json()
    [customer] = listed["result"]["list"]
    assert customer["custom_variables"] == {"tier": "gold", "region": "eu"}


def test_the_target_write_scope_is_named(tenant: Tenant) -> None:
    tenant.source("stripe")
    key = tenant.key("write:uploads", "read:uploads")
    text = csv_text([_invoice("i1", "c1")], INVOICE_HEADER).encode()
    for form in ({"template": "invoices"}, {}):
        response = tenant.http.post(
            "/api/v1/uploads",
            files={"file": ("i.csv", text, "text/csv")},
            data=form,
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 403, response.text
        assert "write:invoices" in response.json()["detail"]
    assert tenant.http.get("/api/v1/uploads").json()["meta"]["total"] == 0


def test_uploads_of_another_workspace_are_404(tenant: Tenant, other_tenant: Tenant) -> None:
    source = tenant.source("stripe")
    data = upload(tenant, _refund_file(), source=source)
    response = other_tenant.http.post(
        f"/api/v1/uploads/{data['id']}/errors/repost",
        content=_errors_csv(tenant, data["id"]).encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 404
    csv_response = other_tenant.http.get(
        f"/api/v1/uploads/{data['id']}/errors", headers={"Accept": "text/csv"}
    )
    assert csv_response.status_code == 404
    assert get(tenant, data["id"])["rows_error"] == 1


def test_timestamps_and_a_bare_text_csv_body(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    response = tenant.http.post(
        "/api/v1/uploads",
        content=csv_text(sales(2)).encode(),
        headers={"Content-Type": "text/csv", "revenue_source_id": source},
    )
    assert response.status_code == 202, response.text
    data = response.json()["data"]
    assert (data["status"], data["template"], data["filename"]) == (
        "received",
        "revenues",
        "upload.csv",
    )
    assert data["created_at"] and data["started_at"] is None and data["finished_at"] is None
    assert response.headers["location"] == f"/api/v1/uploads/{data['id']}"
    done = get(tenant, data["id"])
    assert done["created_at"] == done["received_at"] <= done["started_at"]
    assert done["started_at"] <= done["staging_at"] <= done["finished_at"]
    assert done["rows_posted"] == 2


def test_multipart_templatename_field(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    response = tenant.http.post(
        "/api/v1/uploads",
        files={"file": ("a.csv", csv_text(sales(1)).encode(), "text/csv")},
        data={"templatename": "allocora-revenues", "revenue_source_id": source},
    )
    assert response.status_code == 202, response.text
    assert response.json()["data"]["template"] == "allocora-revenues"
    # The allocora template needs its own headers: the file fails pre-stage.
    assert get(tenant, response.json()["data"]["id"])["status"] == "failed"


def test_empty_header_only_and_bom_only_files(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    for body in (b"", b"\xef\xbb\xbf", b"\r\n\r\n"):
        response = tenant.http.post(
            "/api/v1/uploads",
            files={"file": ("e.csv", body, "text/csv")},
            data={"revenue_source_id": source},
        )
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["field"] == "file"
    header_only = upload(tenant, "\ufeff" + ",".join(HEADER) + "\r\n", source=source)
    assert header_only["rows_total"] == 0
    done = get(tenant, header_only["id"])
    assert (done["status"], done["rows_posted"], done["rows_error"]) == ("completed", 0, 0)


def test_upload_list_pages_and_filters(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    ids = [upload(tenant, csv_text(sales(1, f"p{i}")), source=source)["id"] for i in range(3)]
    failed = upload(
        tenant, csv_text([["sale", "x", "USD", "2026-05-31T10:00:00Z", "f"]]), source=source
    )
    first = tenant.http.get("/api/v1/uploads", params={"per_page": 2}).json()
    assert first["meta"] == {"current_page": 1, "last_page": 2, "per_page": 2, "total": 4}
    second = tenant.http.get("/api/v1/uploads", params={"per_page": 2, "page": 2}).json()
    listed = [u["id"] for u in first["data"] + second["data"]]
    assert sorted(listed) == sorted([*ids, failed["id"]]) and len(set(listed)) == 4
    only_failed = tenant.http.get("/api/v1/uploads", params={"status": "failed"}).json()
    assert [u["id"] for u in only_failed["data"]] == [failed["id"]]
    completed = tenant.http.get("/api/v1/uploads", params={"status": "completed"}).json()
    assert completed["meta"]["total"] == 3
    plans = tenant.http.get("/api/v1/uploads", params={"target": "plans"}).json()
    assert plans["data"] == []
    assert tenant.http.get("/api/v1/uploads", params={"status": "done"}).status_code == 422


def test_a_template_without_timezone_reads_dates_in_the_workspace_timezone(
    tenant: Tenant,
) -> None:
    body = {
        "name": "daily",
        "target": "revenues",
        "columns": [
            {"header": "id", "field": "external_id", "required": True},
            {"header": "day", "field": "occurred_at", "required": True},
            {"header": "amount", "field": "amount", "required": True},
            {"header": "currency", "field": "currency", "required": True},
            {"header": "type", "field": "type", "default": "sale"},
        ],
        "date_format": "%d/%m/%Y",
    }
    assert tenant.http.post("/api/v1/upload-templates", json=body).status_code == 201
    changed = tenant.http.patch("/api/v1/workspace", json={"timezone": "America/New_York"})
    assert changed.status_code == 200, changed.text
    source = tenant.source("stripe")
    data = upload(tenant, "id,day,amount,currency\na,15/01/2026,10,USD\n", source=source)
    assert data["template"] == "daily"
    assert get(tenant, data["id"])["status"] == "completed"
    [revenue] = tenant.http.get("/api/v1/revenues").json()["data"]
    assert revenue["occurred_at"] == "2026-01-15T05:00:00+00:00"


def test_duplicate_headers_in_a_template_are_422(tenant: Tenant) -> None:
    body = {
        "name": "dup",
        "target": "customers",
        "columns": [{"header": "ID", "field": "id"}, {"header": "id ", "field": "name"}],
    }
    response = tenant.http.post("/api/v1/upload-templates", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "columns.1.header"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_errors_csv_of_a_failed_upload_lists_every_failing_row(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    rows: list[list[Any]] = [
        *sales(2),
        ["sale", "1,00", "USD", "2026-05-31T10:00:00Z", "bad-amount"],
        ["sale", "1.00", "USD", "2026-05-31T10:00:00Z", "extra", "cell"],
    ]
    data = upload(tenant, csv_text(rows), source=source)
    assert get(tenant, data["id"])["status"] == "failed"
    kept = _rows(_errors_csv(tenant, data["id"]))
    assert [(r["error_row_number"], r["error_code"]) for r in kept] == [
        ("3", "BAD_AMOUNT"),
        ("4", "WRONG_CELL_COUNT"),
    ]
    assert kept[0]["external_id"] == "bad-amount" and kept[0]["error_column"] == "amount"
    repost = tenant.http.post(
        f"/api/v1/uploads/{data['id']}/errors/repost",
        content=_errors_csv(tenant, data["id"]).encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert repost.status_code == 409  # nothing was staged: upload the fixed file again


def test_the_same_repost_twice_posts_once(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    data = upload(tenant, _refund_file(), source=source)
    fixed = _errors_csv(tenant, data["id"]).replace(",5.00,", ",-5.00,")
    results = []
    for _ in range(2):
        response = tenant.http.post(
            f"/api/v1/uploads/{data['id']}/errors/repost",
            files={"file": ("fixed.csv", fixed.encode(), "text/csv")},
        )
        assert response.status_code == 200, response.text
        results.append(response.json()["data"])
    assert [(r["rows_posted"], r["rows_error"]) for r in results] == [(1, 0), (0, 1)]
    assert results[1]["errors"][0]["code"] == "NOT_STAGED"
    final = get(tenant, data["id"])
    assert (final["status"], final["rows_posted"], final["rows_error"]) == ("completed", 3, 0)
    assert revenue_ids(tenant).count("r-1") == 1


def test_two_reposts_at_once_count_each_row_once(live_tenant: Tenant) -> None:
    source = live_tenant.source("stripe")
    rows = [["refund", f"{i}.00", "USD", "2026-05-31T10:00:00Z", f"r-{i}"] for i in range(1, 41)]
    data = upload(live_tenant, csv_text(rows), source=source)
    for _ in range(200):
        if get(live_tenant, data["id"])["status"] == "completed_with_errors":
            break
        threading.Event().wait(0.05)
    fixed = _errors_csv(live_tenant, data["id"])
    for i in range(1, 41):
        fixed = fixed.replace(f",{i}.00,", f",-{i}.00,")
    results: list[Any] = [None, None]

    def send(i: int) -> None:
        results[i] = live_tenant.http.post(
            f"/api/v1/uploads/{data['id']}/errors/repost",
            content=fixed.encode(),
            headers={"Content-Type": "text/csv"},
        )

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in results] == [200, 200], [r.text for r in results]
    posted = sorted(r.json()["data"]["rows_posted"] for r in results)
    assert posted == [0, 40]
    final = get(live_tenant, data["id"])
    assert (final["status"], final["rows_posted"], final["rows_error"]) == ("completed", 40, 0)
    assert len(revenue_ids(live_tenant)) == 40
