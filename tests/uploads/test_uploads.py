"""Uploads through HTTP: pre-stage all or nothing, staging through the API's services,
duplicates, errors (JSON and CSV), repost, discard, stage errors, idempotency, scopes."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any

from tests.conftest import Tenant
from tests.uploads.helpers import HEADER, csv_text, errors, get, revenue_ids, sales, upload


def test_a_clean_file_is_posted(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    text = csv_text(sales(5))
    data = upload(tenant, text, template="revenues", source=source, filename="may.csv")
    assert data["status"] == "received"
    assert data["filename"] == "may.csv"
    assert (data["template"], data["template_version"]) == ("revenues", 1)
    assert data["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert data["rows_total"] == 5
    done = get(tenant, data["id"])
    assert done["status"] == "completed"
    assert (done["rows_posted"], done["rows_duplicate"], done["rows_error"]) == (5, 0, 0)
    assert done["received_at"] <= done["pre_staging_at"] <= done["staging_at"]
    assert done["staging_at"] <= done["finished_at"]
    assert revenue_ids(tenant) == [f"s{i}" for i in range(5)]
    listed = tenant.http.get("/api/v1/uploads").json()
    assert [u["id"] for u in listed["data"]] == [data["id"]]
    assert listed["meta"]["total"] == 1


def test_the_same_file_again_is_all_duplicates(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    text = csv_text(sales(4))
    get(tenant, upload(tenant, text, source=source)["id"])
    again = get(tenant, upload(tenant, text, source=source)["id"])
    assert again["status"] == "completed"
    assert (again["rows_posted"], again["rows_duplicate"], again["rows_error"]) == (0, 4, 0)
    assert len(revenue_ids(tenant)) == 4


def test_one_malformed_row_fails_the_whole_upload(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    rows: list[list[Any]] = [*sales(3)]
    rows.insert(1, ["sale", "12.00", "USD"])  # three cells instead of five
    rows.append(["sale", "1O.00", "USD", "31/05/2026", "bad-1"])  # bad amount and date
    done = get(tenant, upload(tenant, csv_text(rows), source=source)["id"])
    assert done["status"] == "failed"
    assert (done["rows_total"], done["rows_posted"], done["rows_error"]) == (5, 0, 2)
    assert revenue_ids(tenant) == []
    found = {(e["row_number"], e["column"], e["code"]) for e in errors(tenant, done["id"])}
    assert found == {
        (2, None, "WRONG_CELL_COUNT"),
        (5, "amount", "BAD_AMOUNT"),
        (5, "occurred_at", "BAD_DATE"),
    }
    bad = next(e for e in errors(tenant, done["id"]) if e["code"] == "BAD_AMOUNT")
    assert bad["value"] == "1O.00" and bad["line"] == 6 and bad["message"]
    # Pre-stage errors are not staged errors.
    assert tenant.http.get("/api/v1/stage-errors").json()["data"] == []


def test_a_missing_required_column_or_value_fails(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    header = ["type", "amount", "currency", "external_id"]
    missing_column = upload(
        tenant, csv_text([["sale", "1", "USD", "a"]], header), template="revenues", source=source
    )
    done = get(tenant, missing_column["id"])
    assert done["status"] == "failed"
    assert [(e["row_number"], e["column"], e["code"]) for e in errors(tenant, done["id"])] == [
        (0, "occurred_at", "MISSING_COLUMN")
    ]
    empty_cell = upload(
        tenant, csv_text([["sale", "1", "", "2026-05-31T10:00:00Z", "a"]]), source=source
    )
    done = get(tenant, empty_cell["id"])
    assert done["status"] == "failed"
    assert [(e["column"], e["code"]) for e in errors(tenant, done["id"])] == [
        ("currency", "MISSING_VALUE")
    ]


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_business_errors_are_staged_and_reposted(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    rows = [
        *sales(2),
        ["refund", "5.00", "USD", "2026-05-31T10:00:00Z", "r-1"],  # refund must be < 0
        ["sale", "7.00", "ZZZ", "2026-05-31T10:00:00Z", "z-1"],  # unknown currency
        *sales(2, start=2),
    ]
    data = upload(tenant, csv_text(rows), source=source)
    done = get(tenant, data["id"])
    assert done["status"] == "completed_with_errors"
    assert (done["rows_posted"], done["rows_duplicate"], done["rows_error"]) == (4, 0, 2)
    assert revenue_ids(tenant) == ["s0", "s1", "s2", "s3"]
    listed = errors(tenant, data["id"])
    assert [(e["row_number"], e["column"], e["code"]) for e in listed] == [
        (3, "amount", "INVALID"),
        (4, "currency", "INVALID"),
    ]
    assert listed[0]["value"] == "5.00" and "less than 0" in listed[0]["message"]
    assert all(e["phase"] == "stage" for e in listed)

    staged = tenant.http.get("/api/v1/stage-errors", params={"target": "revenues"}).json()
    assert [(e["upload_id"], e["row_number"]) for e in staged["data"]] == [
        (data["id"], 3),
        (data["id"], 4),
    ]
    other = tenant.http.get("/api/v1/stage-errors", params={"target": "invoices"}).json()
    assert other["data"] == []
    assert tenant.http.get("/api/v1/stage-errors", params={"target": "x"}).status_code == 422

    response = tenant.http.get(
        f"/api/v1/uploads/{data['id']}/errors", headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    kept = _csv_rows(response.text)
    assert [r["error_row_number"] for r in kept] == ["3", "4"]
    assert kept[0]["error_code"] == "INVALID" and kept[0]["external_id"] == "r-1"
    assert list(kept[0])[4:] == HEADER

    # Fix one of the two rows and send them back.
    kept[0]["amount"] = "-5.00"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(kept[0]))
    writer.writeheader()
    writer.writerows(kept)
    reposted = tenant.http.post(
        f"/api/v1/uploads/{data['id']}/errors/repost",
        files={"file": ("fixed.csv", buf.getvalue().encode(), "text/csv")},
    )
    assert reposted.status_code == 200, reposted.text
    result = reposted.json()["data"]
    assert (result["rows_total"], result["rows_posted"], result["rows_error"]) == (2, 1, 1)
    assert result["upload"]["rows_posted"] == 5 and result["upload"]["rows_error"] == 1
    assert "r-1" in revenue_ids(tenant)
    assert [e["row_number"] for e in errors(tenant, data["id"])] == [4]

    # Discarding the rest empties the stage.
    discarded = tenant.http.delete(f"/api/v1/uploads/{data['id']}/errors")
    assert discarded.status_code == 200, discarded.text
    assert discarded.json()["data"]["discarded"] == 1
    assert errors(tenant, data["id"]) == []
    assert tenant.http.get("/api/v1/stage-errors").json()["data"] == []
    final = get(tenant, data["id"])
    assert (final["rows_error"], final["rows_discarded"]) == (0, 1)


def test_repost_fixing_every_row_completes_the_upload(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    rows = [*sales(1), ["sale", "-3.00", "USD", "2026-05-31T10:00:00Z", "neg"]]
    data = upload(tenant, csv_text(rows), source=source)
    kept = tenant.http.get(f"/api/v1/uploads/{data['id']}/errors?format=csv").text
    fixed = kept.replace(",-3.00,", ",3.00,")
    response = tenant.http.post(
        f"/api/v1/uploads/{data['id']}/errors/repost",
        content=fixed.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert get(tenant, data["id"])["status"] == "completed"
    assert revenue_ids(tenant) == ["neg", "s0"]


def test_unknown_source_in_a_row_is_a_reference_error(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    header = [*HEADER, "revenue_source_id"]
    rows = [
        ["sale", "1.00", "USD", "2026-05-31T10:00:00Z", "a", "stripe"],  # by name
        ["sale", "1.00", "USD", "2026-05-31T10:00:00Z", "b", "nowhere"],
        ["sale", "1.00", "USD", "2026-05-31T10:00:00Z", "c", ""],  # upload's source
    ]
    done = get(tenant, upload(tenant, csv_text(rows, header), source=source)["id"])
    assert (done["rows_posted"], done["rows_error"]) == (2, 1)
    [error] = errors(tenant, done["id"])
    assert (error["column"], error["value"], error["code"]) == (
        "revenue_source_id",
        "nowhere",
        "UNKNOWN_REFERENCE",
    )


def test_header_auto_detection_and_refusal(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    allocora = csv_text(
        [["X-1", "2026-05-31", "9.99", "usd", "sale", "sku-1", "ios"]],
        [
            "external_revenue_id",
            "transaction_date",
            "amount",
            "currency",
            "revenue_type",
            "external_product_id",
            "metadata_platform",
        ],
    )
    data = upload(tenant, allocora, source=source)
    assert data["template"] == "allocora-revenues"
    assert get(tenant, data["id"])["status"] == "completed"
    [revenue] = tenant.http.get("/api/v1/revenues").json()["data"]
    assert revenue["occurred_at"] == "2026-05-31T00:00:00+00:00"
    assert revenue["external_product_identifier"] == "sku-1"
    assert revenue["metadata"] == {"platform": "ios"}

    plain = upload(tenant, csv_text(sales(1)), source=source)
    assert plain["template"] == "revenues"

    response = tenant.http.post(
        "/api/v1/uploads",
        files={"file": ("x.csv", b"when,what\n1,2\n", "text/csv")},
        data={"revenue_source_id": source},
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["expected_headers"]["revenues"][:2] == ["revenue_source_id", "type"]
    assert "external_revenue_id" in body["expected_headers"]["allocora-revenues"]
    assert tenant.http.get("/api/v1/uploads").json()["meta"]["total"] == 2


def test_zuora_style_text_csv_upload(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    header = [*HEADER, "revenue_source_id"]
    rows = [[*r, source] for r in sales(3)]
    response = tenant.http.post(
        "/api/v1/uploads",
        content=csv_text(rows, header).encode(),
        headers={"Content-Type": "text/csv", "templatename": "revenues", "filename": "z.csv"},
    )
    assert response.status_code == 202, response.text
    data = response.json()["data"]
    assert (data["filename"], data["template"]) == ("z.csv", "revenues")
    assert get(tenant, data["id"])["rows_posted"] == 3
    plain = tenant.http.post(
        "/api/v1/uploads",
        content=csv_text([[*r, source] for r in sales(1, "p")], header).encode(),
        headers={"Content-Type": "text/plain", "templatename": "revenues", "filename": "p.txt"},
    )
    assert plain.status_code == 202, plain.text
    assert get(tenant, plain.json()["data"]["id"])["status"] == "completed"
    json_body = tenant.http.post("/api/v1/uploads", json={"a": 1})
    assert json_body.status_code == 415


def test_bom_and_quoted_fields_with_commas_and_newlines(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    header = [*HEADER, "description"]
    rows = [
        [*sales(1)[0], 'Pro plan, annual\n"gift" edition'],
        [*sales(1, start=1)[0], "plain"],
    ]
    text = "\ufeff" + csv_text(rows, header).replace("\n", "\r\n")
    data = upload(tenant, text.encode("utf-8"), source=source)
    assert data["template"] == "revenues" and data["rows_total"] == 2
    assert get(tenant, data["id"])["rows_posted"] == 2
    described = {
        r["external_id"]: r["description"]
        for r in tenant.http.get("/api/v1/revenues").json()["data"]
    }
    assert described["s0"] == 'Pro plan, annual\r\n"gift" edition'


def test_a_file_that_is_not_utf8_fails(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    text = csv_text(sales(1)).encode() + "sale,1.00,USD,2026-05-31T10:00:00Z,caf\xe9\n".encode(
        "latin-1"
    )
    done = get(tenant, upload(tenant, text, source=source)["id"])
    assert done["status"] == "failed"
    assert [e["code"] for e in errors(tenant, done["id"])] == ["BAD_ENCODING"]
    assert revenue_ids(tenant) == []


def test_idempotency_key_returns_the_first_upload(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    text = csv_text(sales(2))
    key = {"Idempotency-Key": "file-2026-05"}
    first = upload(tenant, text, source=source, headers=key)
    response = tenant.http.post(
        "/api/v1/uploads",
        files={"file": ("sales.csv", text.encode(), "text/csv")},
        data={"revenue_source_id": source},
        headers=key,
    )
    assert response.status_code == 202, response.text  # the first answer again
    assert response.headers["idempotent-replayed"] == "true"
    assert response.json()["data"]["id"] == first["id"]
    assert response.json()["data"]["status"] == "completed"
    other = tenant.http.post(
        "/api/v1/uploads",
        files={"file": ("sales.csv", csv_text(sales(3)).encode(), "text/csv")},
        data={"revenue_source_id": source},
        headers=key,
    )
    assert other.status_code == 409, other.text
    assert tenant.http.get("/api/v1/uploads").json()["meta"]["total"] == 1


def test_refusals_before_processing(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    no_source = tenant.http.post(
        "/api/v1/uploads", files={"file": ("a.csv", csv_text(sales(1)).encode(), "text/csv")}
    )
    assert no_source.status_code == 422
    assert no_source.json()["errors"][0]["field"] == "revenue_source_id"
    unknown = tenant.http.post(
        "/api/v1/uploads",
        files={"file": ("a.csv", csv_text(sales(1)).encode(), "text/csv")},
        data={"template": "nope", "revenue_source_id": source},
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "template"
    empty = tenant.http.post(
        "/api/v1/uploads",
        files={"file": ("a.csv", b"", "text/csv")},
        data={"revenue_source_id": source},
    )
    assert empty.status_code == 422
    assert tenant.http.get("/api/v1/uploads").json()["meta"]["total"] == 0


def test_upload_scopes(tenant: Tenant) -> None:
    source = tenant.source("stripe")
    text = csv_text(sales(1)).encode()

    def post(key: str) -> Any:
        return tenant.http.post(
            "/api/v1/uploads",
            files={"file": ("a.csv", text, "text/csv")},
            data={"revenue_source_id": source},
            headers={"Authorization": f"Bearer {key}"},
        )

    only_uploads = post(tenant.key("write:uploads"))
    assert only_uploads.status_code == 403 and "write:revenues" in only_uploads.text
    only_revenues = post(tenant.key("write:revenues"))
    assert only_revenues.status_code == 403 and "write:uploads" in only_revenues.text
    ok = post(tenant.key("write:uploads", "write:revenues"))
    assert ok.status_code == 202, ok.text
    upload_id = ok.json()["data"]["id"]
    reader = {"Authorization": f"Bearer {tenant.key('read:uploads')}"}
    assert tenant.http.get(f"/api/v1/uploads/{upload_id}", headers=reader).status_code == 200
    assert tenant.http.get("/api/v1/stage-errors", headers=reader).status_code == 200
    revenue_reader = {"Authorization": f"Bearer {tenant.key('read:revenues')}"}
    assert tenant.http.get("/api/v1/uploads", headers=revenue_reader).status_code == 403
    wrong_target = {"Authorization": f"Bearer {tenant.key('write:uploads', 'write:plans')}"}
    response = tenant.http.delete(f"/api/v1/uploads/{upload_id}/errors", headers=wrong_target)
    assert response.status_code == 403


def test_uploads_belong_to_their_workspace(tenant: Tenant, other_tenant: Tenant) -> None:
    source = tenant.source("stripe")
    data = upload(
        tenant, csv_text([*sales(1), ["refund", "1", "USD", "2026-05-31Z", "x"]]), source=source
    )
    for path in (f"/api/v1/uploads/{data['id']}", f"/api/v1/uploads/{data['id']}/errors"):
        assert other_tenant.http.get(path).status_code == 404
    assert other_tenant.http.get("/api/v1/uploads").json()["data"] == []
    assert other_tenant.http.delete(f"/api/v1/uploads/{data['id']}/errors").status_code == 404
