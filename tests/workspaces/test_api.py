"""GET and PATCH /api/v1/workspace: the reporting currency and timezone of metrics."""

from __future__ import annotations

from typing import Any


def test_get_and_patch(tenant: Any) -> None:
    data = tenant.http.get("/api/v1/workspace").json()["data"]
    assert data["id"] == tenant.workspace_id
    assert (data["reporting_currency"], data["timezone"]) == ("USD", "UTC")
    response = tenant.http.patch("/api/v1/workspace", json={"reporting_currency": "eur"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["reporting_currency"] == "EUR"
    assert tenant.http.get("/api/v1/workspace").json()["data"]["reporting_currency"] == "EUR"


def test_patch_validation(tenant: Any) -> None:
    for body in ({"reporting_currency": "EURO"}, {"timezone": "Mars/Base"}, {"color": "red"}):
        response = tenant.http.patch("/api/v1/workspace", json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"].startswith("application/problem+json")


def test_patch_needs_admin(tenant: Any) -> None:
    key = tenant.key("read:metrics")
    headers = {"Authorization": f"Bearer {key}"}
    assert tenant.http.get("/api/v1/workspace", headers=headers).status_code == 200
    response = tenant.http.patch(
        "/api/v1/workspace", json={"reporting_currency": "EUR"}, headers=headers
    )
    assert response.status_code == 403
