"""OpenAPI pieces: the error bodies every documented error status answers with.

Each route declares its answers once, in its decorator: `response_model` for the success
body, `responses(...)` for its error statuses (RFC 9457 problem details under
`application/problem+json`) or `zuora_responses(...)` for seed 004's endpoints, which
answer errors in Zuora's own shape. `finish()` completes the generated document: it
adds the error schemas and removes the 422 FastAPI declares on its own.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

PROBLEM_JSON = "application/problem+json"
JSON = "application/json"
REF = "#/components/schemas/{model}"


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable(description: str | None = None, **kwargs: Any) -> Any:
    """A field that is left out of the body when it has no value (never sent as null).
    Type it `T | SkipJsonSchema[None]`: the schema then says `T`, not required."""
    return Field(default=None, description=description, json_schema_extra=_no_default, **kwargs)


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the field (`body` for the whole body)")
    message: str
    code: str | SkipJsonSchema[None] = omittable("Machine-readable reason")


class Problem(BaseModel):
    """RFC 9457 problem details, served as application/problem+json."""

    type: str = Field(examples=["about:blank"])
    title: str = Field(examples=["Unprocessable Content"])
    status: int = Field(examples=[422])
    detail: str
    errors: list[FieldError] | SkipJsonSchema[None] = omittable(
        "With validation errors (422): each field and why"
    )


class HeadersProblem(Problem):
    """A 422 of an upload whose file's header fits no template."""

    expected_headers: dict[str, list[str]] | SkipJsonSchema[None] = omittable(
        "Each template's name and the headers it expects"
    )


class ZuoraReason(BaseModel):
    code: int = Field(
        examples=[53100040],
        description="8 digits; the last two are Zuora's category (20 invalid value, "
        "40 not found, 11 authentication, 10 permission, ...)",
    )
    message: str


class ZuoraError(BaseModel):
    """Seed 004's failure body."""

    success: Literal[False]
    processId: str = Field(description="The request id")
    reasons: list[ZuoraReason]


_ERROR_MODELS: tuple[type[BaseModel], ...] = (Problem, HeadersProblem, ZuoraError)

_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing, unknown or revoked credential",
    403: "The credential lacks the scope this endpoint needs",
    404: "Not found in this workspace",
    405: "Method not allowed",
    409: "Conflict with existing data",
    415: "Unsupported media type",
    422: "Validation failed; `errors` names each field and the reason",
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def problem_response(
    status: int, description: str | None = None, model: type[BaseModel] = Problem
) -> dict[str, Any]:
    return {
        "description": description or _DESCRIPTIONS[status],
        "content": {PROBLEM_JSON: {"schema": _ref(model)}},
    }


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Problem details (application/problem+json) for each error status."""
    return {status: problem_response(status) for status in statuses}


def zuora_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Seed 004's error body (application/json) for each error status."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {JSON: {"schema": _ref(ZuoraError)}},
        }
        for status in statuses
    }


def csv_content(description: str) -> dict[str, Any]:
    return {"text/csv": {"schema": {"type": "string", "description": description}}}


def finish(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error schemas, and remove the 422 that FastAPI adds by itself to every
    route with a parameter: its body (HTTPValidationError) is never sent, and whether a
    route can answer 422 at all is its own declaration, as for every other status."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in _ERROR_MODELS:
        generated = model.model_json_schema(ref_template=REF, mode="serialization")
        components.update(generated.pop("$defs", {}))
        components[model.__name__] = generated
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            answers = operation.get("responses", {})
            if _is_fastapi_422(answers.get("422")):
                del answers["422"]
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    return schema


def _is_fastapi_422(response: dict[str, Any] | None) -> bool:
    if response is None:
        return False
    schema = response.get("content", {}).get(JSON, {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))
