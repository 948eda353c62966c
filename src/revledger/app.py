"""create_app(): routers, middleware, error handlers, OpenAPI."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from revledger import __version__, subscriptions
from revledger.accounts.router import router as accounts_router
from revledger.auth.router import router as auth_router
from revledger.config import Settings
from revledger.customers.router import router as customers_router
from revledger.db import Database
from revledger.invoices.router import router as invoices_router
from revledger.journal.router import router as journal_router
from revledger.kit.request_id import RequestIdMiddleware
from revledger.metrics.jobs import Worker
from revledger.metrics.router import router as metrics_router
from revledger.oauth.router import router as oauth_router
from revledger.openapi import finish
from revledger.periods.router import router as periods_router
from revledger.plans.router import router as plans_router
from revledger.problems import install_error_handlers
from revledger.recognition.router import router as recognition_router
from revledger.reports.router import router as reports_router
from revledger.revenues.router import router as revenues_router
from revledger.revenues.schemas import RevenueCreate
from revledger.sources.router import router as sources_router
from revledger.uploads.jobs import Worker as UploadWorker
from revledger.uploads.router import router as uploads_router
from revledger.workspaces.router import router as workspaces_router

DESCRIPTION = """revledger keeps every sale, refund and adjustment exactly once and immutable.

Authenticate with `Authorization: Bearer <api key>`, or with an OAuth access token from
`POST /api/v1/oauth/token` (client credentials). Each endpoint names the scope it
needs; `admin` implies every scope. Errors are RFC 9457 problem details
(`application/problem+json`) with `errors: [{"field", "message"}]` for validation.
"""


def create_app(
    database: Database | None = None,
    worker: bool | None = None,
    settings: Settings | None = None,
) -> FastAPI:
    """`settings`: default from the environment (config.py). `worker`: run the metrics
    recalculation worker on a thread of this process (default: the settings' choice)."""
    subscriptions.install()
    settings = settings or Settings.from_env()
    if worker is not None:
        settings = settings.with_workers(worker)
    logging.basicConfig(level=settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        background = Worker(app.state.db) if settings.metrics_worker else None
        if background is not None:
            background.start()
        uploads = UploadWorker(app.state.db) if settings.runs_upload_worker else None
        if uploads is not None:  # resumes uploads whose processor stopped
            uploads.start()
        try:
            yield
        finally:
            if uploads is not None:
                uploads.stop()
            if background is not None:
                background.stop()

    app = FastAPI(
        title="revledger", version=__version__, description=DESCRIPTION, lifespan=lifespan
    )
    app.state.db = database or Database(
        settings.database_url, prepared_statements=settings.pg_prepared_statements
    )
    app.state.settings = settings
    app.add_middleware(RequestIdMiddleware)
    install_error_handlers(app)
    for router in (
        auth_router,
        sources_router,
        revenues_router,
        workspaces_router,
        customers_router,
        plans_router,
        invoices_router,
        metrics_router,
        oauth_router,
        periods_router,
        recognition_router,
        reports_router,
        accounts_router,
        journal_router,
        uploads_router,
    ):
        app.include_router(router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    extra = RevenueCreate.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(extra.pop("$defs", {}))
    schemas["RevenueCreate"] = extra
    components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    schema["security"] = [{"bearer": []}]
    app.openapi_schema = finish(schema)
    return schema
