"""Validate provider responses against the official OneRoster 1.2 rostering OpenAPI (jsonschema)."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.support.fixtures import EXTERNAL

DOCUMENT = (
    EXTERNAL
    / "oneroster"
    / "jp-da2022"
    / "openapi"
    / "onerosterv1p2rostersservice_openapi3_v1p0.json"
)
BASE = "/ims/oneroster/rostering/v1p2"
STATUS_INFO = "#/components/schemas/imsx_StatusInfoDType"


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document."""
    return dict(json.loads(DOCUMENT.read_text(encoding="utf-8")))


@cache
def _registry() -> Registry[Any]:
    """The document as a resource that ``$ref``s resolve in."""
    resource = Resource.from_contents(document(), default_specification=DRAFT202012)
    return Registry().with_resource("urn:oneroster-1.2", resource)


def validator(schema_ref: str) -> Draft202012Validator:
    """A validator for ``#/components/schemas/…``."""
    return Draft202012Validator(
        {"$ref": f"urn:oneroster-1.2{schema_ref}"},
        registry=_registry(),
        format_checker=FormatChecker(),
    )


def operation(path: str) -> tuple[str, dict[str, Any]]:
    """The OpenAPI path template a request path matches, and its GET operation."""
    relative = path.removeprefix(BASE)
    for template, item in document()["paths"].items():
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", template)
        if re.fullmatch(pattern, relative):
            return template, item["get"]
    raise AssertionError(f"{path} is no path of the 1.2 OpenAPI")


def response_schema(path: str, status: int) -> str:
    """The schema the OpenAPI declares for a response of ``path`` with ``status``."""
    try:
        _, op = operation(path)
    except AssertionError:
        if status >= 400:
            return STATUS_INFO  # no operation of the API: its errors are still imsx_StatusInfo
        raise
    answer = op["responses"].get(str(status), op["responses"]["default"])
    return str(answer["content"]["application/json"]["schema"]["$ref"])


def errors(path: str, status: int, body: Any) -> list[str]:
    """What in ``body`` breaks the OpenAPI for ``path`` and ``status`` (empty: it conforms)."""
    found = validator(response_schema(path, status)).iter_errors(body)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in found]
