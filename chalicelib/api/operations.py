"""Each view declares its operation (method, path, what it reads, what it answers); the OpenAPI spec is made from these.

The declaration is also what runs: the request is parsed with the declared models, and an answer
whose status or body model the declaration lacks fails loudly instead of reaching a caller.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalice import Response
from pydantic import BaseModel

from chalicelib.api.errors import json_errors
from chalicelib.api.requests import json_body, query_params

# Errors any operation can answer; each operation adds its own.
BAD_BODY = {400: ("MALFORMED_JSON", "VALIDATION_ERROR"), 413: ("PAYLOAD_TOO_LARGE",), 415: ("UNSUPPORTED_MEDIA_TYPE",)}


@dataclass(frozen=True)
class Header:
    """A request header an operation reads."""

    name: str
    schema: dict
    description: str


@dataclass(frozen=True)
class Link:
    """An OpenAPI link: a value of this response feeds a parameter of another operation."""

    name: str
    operation_id: str
    parameters: dict[str, str]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    answers: dict[int, type[BaseModel] | None]
    errors: dict[int, tuple[str, ...]]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    headers: tuple[Header, ...] = ()
    # Path parameter name -> JSON Schema.
    path_params: dict[str, dict] = field(default_factory=dict)
    # Status -> response headers it sets (names from RESPONSE_HEADERS in chalicelib/api/openapi.py).
    answer_headers: dict[int, tuple[str, ...]] = field(default_factory=dict)
    links: dict[int, tuple[Link, ...]] = field(default_factory=dict)

    @property
    def reads_request(self) -> bool:
        return bool(self.body or self.query or self.headers)


@dataclass(frozen=True)
class Call:
    """A request as a view sees it: parsed with its operation's models."""

    body: Any
    query: Any
    headers: dict[str, str]
    lambda_context: Any


@dataclass(frozen=True)
class Answer:
    """What a view returns: a status its operation declares, with that status's body model."""

    status: int
    body: BaseModel | None = None
    headers: dict[str, str] = field(default_factory=dict)


# operation id -> its declaration; filled as the view modules are imported.
OPERATIONS: dict[str, Operation] = {}


def operation(spec: Operation) -> Callable:
    """Register ``spec`` and make the view run by it (parse the request, check the answer, map errors)."""

    def decorate(view: Callable[..., Answer]) -> Callable[..., Response]:
        if spec.operation_id in OPERATIONS:
            raise ValueError(f"operation {spec.operation_id!r} is declared twice")
        OPERATIONS[spec.operation_id] = spec

        @functools.wraps(view)
        @json_errors
        def run(*args) -> Response:
            if spec.reads_request:
                request, *rest = args
                args = (_parse(spec, request), *rest)
            return _respond(spec, view(*args))

        run.operation = spec
        return run

    return decorate


def _parse(spec: Operation, request) -> Call:
    body = query = None
    if spec.body is not None:
        # A payment's occurredAt is judged against the moment the API received it (PaymentEvent).
        body = spec.body.model_validate(json_body(request), context={"receivedAt": datetime.now(UTC)})
    if spec.query is not None:
        query = spec.query.model_validate(query_params(request, set(spec.query.model_fields)))
    headers = {k.lower(): v for k, v in (request.headers or {}).items()}
    return Call(body=body, query=query, headers=headers, lambda_context=request.lambda_context)


def _respond(spec: Operation, answer: Answer) -> Response:
    declared = spec.answers.get(answer.status, ...)
    if (
        declared is ...
        or (declared is None) != (answer.body is None)
        or (declared and type(answer.body) is not declared)
    ):
        declared_text = ", ".join(f"{s}: {getattr(m, '__name__', 'no body')}" for s, m in spec.answers.items())
        raise TypeError(
            f"{spec.operation_id} answered {answer.status} with {type(answer.body).__name__}, which its operation "
            f"does not declare ({declared_text})"
        )
    if answer.body is None:
        return Response(body="", status_code=answer.status, headers=answer.headers)
    return Response(
        body=answer.body.model_dump(mode="json"),
        status_code=answer.status,
        headers={"Content-Type": "application/json", **answer.headers},
    )
