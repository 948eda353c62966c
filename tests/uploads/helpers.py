"""Helpers for upload tests: build CSV text, upload it, read the result back."""

from __future__ import annotations

import csv
import io
from typing import Any

HEADER = ["type", "amount", "currency", "occurred_at", "external_id"]


def csv_text(rows: list[list[Any]], header: list[str] | None = None, delimiter: str = ",") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header or HEADER)
    for row in rows:
        writer.writerow(row)
    return buf.getvalue()


def sales(n: int, prefix: str = "s", start: int = 0) -> list[list[Any]]:
    return [
        ["sale", f"{10 + i}.50", "USD", "2026-05-31T10:00:00Z", f"{prefix}{i}"]
        for i in range(start, start + n)
    ]


def upload(
    tenant: Any,
    text: str | bytes,
    template: str | None = None,
    source: str | None = None,
    filename: str = "sales.csv",
    headers: dict[str, str] | None = None,
    status: int = 202,
) -> dict[str, Any]:
    data = {}
    if template is not None:
        data["template"] = template
    if source is not None:
        data["revenue_source_id"] = source
    content = text.encode() if isinstance(text, str) else text
    response = tenant.http.post(
        "/api/v1/uploads",
        files={"file": (filename, content, "text/csv")},
        data=data,
        headers=headers or {},
    )
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body.get("data", body)


def get(tenant: Any, upload_id: str) -> dict[str, Any]:
    response = tenant.http.get(f"/api/v1/uploads/{upload_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def errors(tenant: Any, upload_id: str) -> list[dict[str, Any]]:
    response = tenant.http.get(f"/api/v1/uploads/{upload_id}/errors", params={"per_page": 100})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def revenue_ids(tenant: Any) -> list[str]:
    out: list[str] = []
    page = 1
    while True:
        response = tenant.http.get("/api/v1/revenues", params={"per_page": 100, "page": page})
        assert response.status_code == 200, response.text
        body = response.json()
        out.extend(r["external_id"] for r in body["data"])
        if page >= body["meta"]["last_page"]:
            return sorted(out)
        page += 1
