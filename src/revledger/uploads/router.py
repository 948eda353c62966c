"""HTTP routes of the uploads domain: templates, uploads, their errors, stage errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

import anyio.to_thread
import orjson
from fastapi import APIRouter, BackgroundTasks, Depends, Header, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from revledger.auth.dependencies import requires
from revledger.auth.service import Principal
from revledger.db import Database
from revledger.errors import UnsupportedMediaType, field_error
from revledger.kit.pagination import PageParams, page_meta, page_params
from revledger.kit.request_id import current_request_id
from revledger.openapi import HeadersProblem, csv_content, problem_response, responses
from revledger.problems import problem_body
from revledger.uploads import files, jobs, service
from revledger.uploads.schemas import (
    TEMPLATE_NAME,
    TEMPLATE_NAME_LENGTH,
    DiscardEnvelope,
    ErrorList,
    RepostEnvelope,
    TemplateEnvelope,
    TemplateIn,
    TemplateList,
    TemplatePut,
    UploadEnvelope,
    UploadList,
)
from revledger.uploads.templates import template_out
from revledger.web import JSONOut, UnitOfWorkRoute, get_db, get_session

router = APIRouter(prefix="/api/v1", tags=["uploads"], route_class=UnitOfWorkRoute)
SessionDep = Annotated[Session, Depends(get_session)]
DbDep = Annotated[Database, Depends(get_db)]
Reader = Annotated[Principal, Depends(requires("read:uploads"))]
Writer = Annotated[Principal, Depends(requires("write:uploads"))]
Page = Annotated[PageParams, Depends(page_params)]
TargetParam = Literal["revenues", "customers", "plans", "invoices"]
StatusParam = Literal[
    "received", "pre_staging", "staging", "completed", "completed_with_errors", "failed"
]
CSV_TYPES = ("text/csv", "text/plain", "application/csv", "application/octet-stream")
MALFORMED = "A multipart/form-data body that cannot be parsed"

_FILE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "template": {"type": "string"},
                        "revenue_source_id": {"type": "string"},
                    },
                }
            },
            "text/csv": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


# --- templates --------------------------------------------------------------------------


@router.post(
    "/upload-templates",
    status_code=201,
    response_model=TemplateEnvelope,
    responses={
        **responses(401, 403, 409, 422),
        200: {"model": TemplateEnvelope, "description": "Unchanged: the same definition again"},
    },
    summary="Create an upload template, or a new version of one (scope: write:uploads)",
)
def create_template(body: TemplateIn, session: SessionDep, principal: Writer) -> JSONOut:
    """The same name with a different definition makes a new version (201); the same
    definition again changes nothing (200). Built-in names are reserved."""
    template, created = service.save_template(session, principal.workspace_id, body)
    return JSONOut({"data": template_out(template)}, status_code=201 if created else 200)


@router.put(
    "/upload-templates/{name}",
    response_model=TemplateEnvelope,
    responses={
        **responses(401, 403, 409, 422),
        201: {"model": TemplateEnvelope, "description": "A new version (or the first one)"},
    },
    summary="Change an upload template: a new version (scope: write:uploads)",
)
def put_template(
    name: Annotated[
        str, PathParam(min_length=1, max_length=TEMPLATE_NAME_LENGTH, pattern=TEMPLATE_NAME)
    ],
    body: TemplatePut,
    session: SessionDep,
    principal: Writer,
) -> JSONOut:
    """The body is validated as POST's (a 422 names each bad field); `name` may be left
    out of it, and must otherwise be the path's."""
    if "name" in body.model_fields_set and body.name != name:
        raise field_error("name", "must be the name in the path")
    named = body.model_copy(update={"name": name})
    template, created = service.save_template(session, principal.workspace_id, named)
    return JSONOut({"data": template_out(template)}, status_code=201 if created else 200)


@router.get(
    "/upload-templates",
    response_model=TemplateList,
    responses=responses(401, 403),
    summary="List upload templates: built-in and the latest version of each of yours "
    "(scope: read:uploads)",
)
def list_templates(session: SessionDep, principal: Reader) -> JSONOut:
    templates = service.list_templates(session, principal.workspace_id)
    return JSONOut({"data": [template_out(t) for t in templates]})


@router.get(
    "/upload-templates/{name}",
    response_model=TemplateEnvelope,
    responses=responses(401, 403, 404, 422),
    summary="Get an upload template, its latest or a given version (scope: read:uploads)",
)
def get_template(
    name: str,
    session: SessionDep,
    principal: Reader,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> JSONOut:
    template = service.get_template(session, principal.workspace_id, name, version)
    return JSONOut({"data": template_out(template)})


# --- uploads ----------------------------------------------------------------------------


async def _receive(request: Request, directory: Path) -> tuple[files.Sink, dict[str, str]]:
    """Stream the request's file to disk; (the file, the form's text fields)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    sink = files.Sink(directory)
    fields: dict[str, str] = {}
    try:
        if content_type == "multipart/form-data":
            form = await request.form(max_files=1, max_fields=20)
            try:
                upload = form.get("file")
                if not isinstance(upload, UploadFile):
                    raise field_error("file", "a multipart upload needs a `file` part")
                fields["filename"] = upload.filename or "upload.csv"
                while chunk := await upload.read(1 << 20):
                    sink.write(chunk)
                for name in ("template", "templatename", "revenue_source_id", "filename"):
                    value = form.get(name)
                    if isinstance(value, str) and value.strip():
                        fields[name] = value.strip()
                fields.setdefault("template", fields.get("templatename", ""))
            finally:
                await form.close()
        elif content_type in CSV_TYPES:
            async for chunk in request.stream():
                sink.write(chunk)
        else:
            raise _Unsupported(content_type)
        sink.close()
    except BaseException:
        sink.discard()
        raise
    return sink, fields


class _Unsupported(UnsupportedMediaType):
    def __init__(self, content_type: str) -> None:
        super().__init__(
            f"Content-Type '{content_type or 'none'}' is not accepted: send multipart/form-data "
            "with a `file` part, or the CSV itself as text/csv with `templatename` and "
            "`filename` headers"
        )


def _headers_do_not_fit(exc: service.HeadersDoNotFit) -> Response:
    body = problem_body(422, exc.detail, exc.errors)
    body["expected_headers"] = exc.expected
    return Response(
        orjson.dumps(body),
        status_code=422,
        media_type="application/problem+json",
        headers={"X-Request-ID": current_request_id()},
    )


@router.post(
    "/uploads",
    status_code=202,
    response_model=UploadEnvelope,
    responses={
        400: problem_response(400, MALFORMED),
        **responses(401, 403, 409),
        422: problem_response(
            422,
            "Validation failed; when the file's headers fit no template, "
            "`expected_headers` lists each template's",
            HeadersProblem,
        ),
        415: problem_response(415, "Neither multipart/form-data nor text/csv"),
    },
    openapi_extra=_FILE_BODY,
    summary="Upload a CSV file, processed in the background "
    "(scopes: write:uploads and the write scope of the template's target)",
)
async def create_upload(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    principal: Writer,
    db: DbDep,
    templatename: Annotated[str | None, Header(description="Zuora style: the template")] = None,
    filename: Annotated[str | None, Header(description="Zuora style: the file's name")] = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    source_header: Annotated[
        str | None,
        Header(
            alias="revenue_source_id",
            convert_underscores=False,
            description="text/csv body: the source of rows without one (or ?revenue_source_id=)",
        ),
    ] = None,
) -> Response:
    """A multipart form (`file`, `template`, optional `revenue_source_id` for every row
    without one) or, as Zuora Revenue does, the CSV as a `text/csv` body with headers
    `templatename` and `filename`. Without a template, the file's headers choose it.
    Answers 202 at once; follow the upload at GET /api/v1/uploads/{id}."""
    directory = files.upload_dir(request.app.state.settings)
    sink, fields = await _receive(request, directory)
    try:
        upload, replay = await anyio.to_thread.run_sync(
            lambda: service.create_upload(
                session,
                principal,
                sink,
                directory,
                fields.get("filename") or filename or "upload.csv",
                fields.get("template") or templatename,
                fields.get("revenue_source_id")
                or request.query_params.get("revenue_source_id")
                or source_header
                or request.headers.get("revenue-source-id"),
                idempotency_key,
            )
        )
    except service.HeadersDoNotFit as exc:
        sink.discard()
        return _headers_do_not_fit(exc)
    except BaseException:
        sink.discard()
        raise
    body = {"data": service.upload_out(upload)}
    location = {"Location": f"/api/v1/uploads/{upload.id}"}
    if replay:  # the first upload's answer again (202), as it is now
        return JSONOut(body, status_code=202, headers={**location, "Idempotent-Replayed": "true"})
    background.add_task(jobs.run_in_background, db, upload.id)
    return JSONOut(body, status_code=202, headers=location)


@router.get(
    "/uploads",
    response_model=UploadList,
    responses=responses(401, 403, 422),
    summary="List uploads, newest first (scope: read:uploads)",
)
def list_uploads(
    session: SessionDep,
    principal: Reader,
    params: Page,
    status: Annotated[StatusParam | None, Query()] = None,
    target: Annotated[TargetParam | None, Query()] = None,
) -> JSONOut:
    rows, total = service.list_uploads(
        session, principal.workspace_id, status, target, params.offset, params.per_page
    )
    return JSONOut({"data": rows, "meta": page_meta(params, total)})


@router.get(
    "/uploads/{upload_id}",
    response_model=UploadEnvelope,
    responses=responses(401, 403, 404),
    summary="Get an upload: status, counts, timestamps (scope: read:uploads)",
)
def get_upload(upload_id: str, session: SessionDep, principal: Reader) -> JSONOut:
    return JSONOut(
        {"data": service.upload_out(service.get_upload(session, principal.workspace_id, upload_id))}
    )


@router.get(
    "/uploads/{upload_id}/errors",
    response_model=ErrorList,
    responses={
        **responses(401, 403, 404, 422),
        200: {
            "description": "The errors (JSON), or with Accept: text/csv every kept row with "
            "its errors, ready to fix and send again",
            "content": csv_content("A header row, then each kept row with its error columns first"),
        },
    },
    summary="An upload's errors (scope: read:uploads)",
)
def upload_errors(
    upload_id: str,
    request: Request,
    session: SessionDep,
    principal: Reader,
    db: DbDep,
    params: Page,
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,
) -> Response:
    upload = service.get_upload(session, principal.workspace_id, upload_id)
    wants_csv = format == "csv" or (
        format is None and "text/csv" in request.headers.get("accept", "")
    )
    if wants_csv:
        return StreamingResponse(
            _errors_csv(db, upload.id, principal.workspace_id),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{upload.id}.errors.csv"'},
        )
    rows, total = service.errors_page(
        session, principal.workspace_id, upload.id, None, None, params.offset, params.per_page
    )
    return JSONOut({"data": rows, "meta": page_meta(params, total)})


def _errors_csv(db: Database, upload_id: str, workspace_id: str) -> Iterator[str]:
    with db.session() as session:
        upload = service.get_upload(session, workspace_id, upload_id)
        yield from service.errors_csv(session, upload)


@router.post(
    "/uploads/{upload_id}/errors/repost",
    response_model=RepostEnvelope,
    responses={
        400: problem_response(400, MALFORMED),
        **responses(401, 403, 404, 409, 422),
        415: problem_response(415, "Neither multipart/form-data nor text/csv"),
    },
    openapi_extra=_FILE_BODY,
    summary="Post corrected error rows again (scopes: write:uploads and the target's)",
)
async def repost_errors(
    upload_id: str,
    request: Request,
    session: SessionDep,
    principal: Writer,
    db: DbDep,
) -> JSONOut:
    """The body is the CSV of GET /uploads/{id}/errors (Accept: text/csv) with its rows
    corrected; `error_row_number` says which staged row each line corrects. Rows that
    are now valid are posted and leave the staged errors; the others keep new errors."""
    sink, _fields = await _receive(request, files.upload_dir(request.app.state.settings))
    try:
        result = await anyio.to_thread.run_sync(
            lambda: service.repost(session, principal, upload_id, sink.path)
        )
    finally:
        sink.discard()
    return JSONOut({"data": result})


@router.delete(
    "/uploads/{upload_id}/errors",
    response_model=DiscardEnvelope,
    responses=responses(401, 403, 404, 409),
    summary="Discard an upload's staged errors (scopes: write:uploads and the target's)",
)
def discard_errors(upload_id: str, session: SessionDep, principal: Writer) -> JSONOut:
    return JSONOut({"data": service.discard(session, principal, upload_id)})


@router.get(
    "/stage-errors",
    response_model=ErrorList,
    responses=responses(401, 403, 422),
    summary="Every staged error of the workspace, as Zuora's stage/error (scope: read:uploads)",
)
def stage_errors(
    session: SessionDep,
    principal: Reader,
    params: Page,
    target: Annotated[TargetParam | None, Query()] = None,
) -> JSONOut:
    rows, total = service.errors_page(
        session, principal.workspace_id, None, target, "stage", params.offset, params.per_page
    )
    return JSONOut({"data": rows, "meta": page_meta(params, total)})
