"""The API's OpenAPI 3.1 description, made from the operations the views declare and their pydantic models.

Assembled here rather than by a generator library: the Chalice ones (chalice-spec) target OpenAPI
3.0 through apispec and would have to decorate app.py; pydantic already writes JSON Schema 2020-12,
which OpenAPI 3.1 takes as it is, so what remains is the paths and error responses (as FastAPI does).
Lambda never calls it (the local runtime serves it, `make package` writes it); it lives beside the
declarations it reads, as the API's contract, and costs the package a few kilobytes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.api.operations import OPERATIONS, Operation
from chalicelib.api.responses import ErrorResponse

VERSION = "1.0.0"
REF = "#/components/schemas/{model}"
CORRELATION = "X-Correlation-Id"

RESPONSE_HEADERS = {
    "Location": {"description": "Where the created resource can be read.", "schema": {"type": "string"}},
    "Allow": {"description": "The methods this path takes.", "schema": {"type": "string"}},
    CORRELATION: {
        "description": "The request's correlation id: the one it sent, or one the API made.",
        "required": True,
        "schema": {"type": "string"},
    },
}

# Every operation can also meet API Gateway's throttling (on AWS only: infra/api_errors.tf).
THROTTLED = {429: ("THROTTLED",)}

DESCRIPTION = """\
The orders platform's HTTP API. Every error is `{"error": {"code", "message", "details"}}` with a stable
`code`; `details` (one `{field, code, issue}` per broken rule) comes with `VALIDATION_ERROR` only.

Any other method on a path listed here answers **405 `METHOD_NOT_ALLOWED`** with an `Allow` header; any
other path answers **404 `ROUTE_NOT_FOUND`**. Money is exact decimal text (`"40.48"`) in answers, and a
JSON number or decimal text in requests.
"""


def operations() -> dict[str, Operation]:
    """Every declared operation (importing the view modules declares them)."""
    from chalicelib.api import analytics, orders, payments  # noqa: F401

    return dict(OPERATIONS)


def build_spec() -> dict:
    """The OpenAPI 3.1 document of the whole API."""
    ops = operations()
    schemas = _schemas(ops.values())
    paths: dict[str, dict] = {}
    for op in sorted(ops.values(), key=lambda o: (o.path, o.method)):
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Orders platform API", "version": VERSION, "description": DESCRIPTION},
        "tags": [{"name": name} for name in sorted({op.tag for op in ops.values()})],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "headers": RESPONSE_HEADERS,
            "parameters": {
                "CorrelationId": {
                    "name": CORRELATION,
                    "in": "header",
                    "required": False,
                    "description": "Follows the request through every hop of the event flow: 1 to 128 of A-Za-z0-9._:/=+-, "
                    "starting with a letter or digit; made when absent, replaced when it is not of that form.",
                    "schema": {"type": "string"},
                }
            },
            "responses": {
                "MethodNotAllowed": _error_response("A method this path does not take.", ("METHOD_NOT_ALLOWED",))
                | {"headers": {"Allow": {"$ref": "#/components/headers/Allow"}}},
                "RouteNotFound": _error_response("A path no route takes.", ("ROUTE_NOT_FOUND",)),
            },
        },
    }


def _schemas(ops) -> dict[str, dict]:
    models: list[tuple[type[BaseModel], str]] = [(ErrorResponse, "serialization")]
    for op in ops:
        models += [(m, "validation") for m in (op.body,) if m is not None]
        models += [(m, "serialization") for m in op.answers.values() if m is not None]
    _, document = models_json_schema(list(dict.fromkeys(models)), ref_template=REF)
    return {name: _standard(schema) for name, schema in sorted(document.get("$defs", {}).items())}


def _operation(op: Operation, schemas: dict) -> dict:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": schema} for name, schema in op.path_params.items()
    ]
    if op.query is not None:
        query = _standard(op.query.model_json_schema(ref_template=REF))
        for name, schema in query["properties"].items():
            parameters.append({"name": name, "in": "query", "required": False, "schema": _not_null(schema)})
    for header in op.headers:
        parameters.append(
            {
                "name": header.name,
                "in": "header",
                "required": False,
                "schema": header.schema,
                "description": header.description,
            }
        )
    parameters.append({"$ref": "#/components/parameters/CorrelationId"})
    spec: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": parameters,
        "responses": {},
    }
    if op.query is not None and op.query.__doc__:
        spec["description"] = op.query.__doc__.strip()
    if op.body is not None:
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=op.body.__name__)}}},
        }
    for status, model in op.answers.items():
        answer: dict[str, Any] = {
            "description": (model.__doc__ or "No content.").strip().splitlines()[0] if model else "No content."
        }
        if model is not None:
            answer["content"] = {"application/json": {"schema": {"$ref": REF.format(model=model.__name__)}}}
        answer["headers"] = {
            name: {"$ref": f"#/components/headers/{name}"} for name in (*op.answer_headers.get(status, ()), CORRELATION)
        }
        if status in op.links:
            answer["links"] = {
                link.name: {"operationId": link.operation_id, "parameters": link.parameters}
                for link in op.links[status]
            }
        spec["responses"][str(status)] = answer
    errors = {**op.errors, **THROTTLED}
    # A path parameter holding "/" names a path no route takes.
    if op.path_params:
        errors[404] = (*errors.get(404, ()), "ROUTE_NOT_FOUND")
    for status, codes in sorted(errors.items()):
        spec["responses"][str(status)] = _error_response(f"Error: {', '.join(codes)}.", codes)
    return spec


def _error_response(description: str, codes: tuple[str, ...]) -> dict:
    schema = {
        "allOf": [{"$ref": REF.format(model="ErrorResponse")}],
        "properties": {"error": {"properties": {"code": {"enum": list(codes)}}}},
    }
    return {
        "description": description,
        "headers": {CORRELATION: {"$ref": f"#/components/headers/{CORRELATION}"}},
        "content": {"application/json": {"schema": schema}},
    }


def _not_null(schema: dict) -> dict:
    """An optional query parameter's schema without pydantic's `null` (a query string has no null)."""
    options = [s for s in schema.get("anyOf", []) if s != {"type": "null"}]
    rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    if len(options) == 1:
        return {**rest, **options[0]}
    return rest if not options else {**rest, "anyOf": options}


# pydantic keeps a constraint it could not push into its schema (our field types validate before
# the type's own checks: chalicelib/input_rules.py) as the raw keyword; JSON Schema spells them so.
_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}
_LEFTOVER = {*_BOUNDS, "decimal_places", "max_digits"}


def _standard(node: Any) -> Any:
    """``node`` with pydantic's leftover constraint keywords in JSON Schema's terms."""
    if isinstance(node, list):
        return [_standard(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _standard(value) for key, value in node.items()}
    leftovers = {key: node.pop(key) for key in _LEFTOVER & set(node)}
    if not leftovers:
        return node
    if node.get("type") == "integer":
        return node | {_BOUNDS[key]: int(Decimal(value)) for key, value in leftovers.items() if key in _BOUNDS}
    if [option.get("type") for option in node.get("anyOf", [])] == ["number", "string"]:
        return node | {"anyOf": _money(leftovers)}
    raise ValueError(f"no JSON Schema for {leftovers} on {node}")


def _money(rules: dict) -> list[dict]:
    """Money (input_rules.Money): a JSON number or decimal text within the field's bounds and cents."""
    places = int(rules.get("decimal_places", 2))
    number: dict[str, Any] = {"type": "number", "multipleOf": float(Decimal(1).scaleb(-places))}
    for key, keyword in _BOUNDS.items():
        if key in rules:
            number[keyword] = _json_number(rules[key])
    digits = None
    if "max_digits" in rules:
        digits = int(rules["max_digits"]) - places
        largest = Decimal(10) ** digits - Decimal(1).scaleb(-places)
        number.setdefault("maximum", _json_number(largest))
        number.setdefault("minimum", _json_number(-largest))
    if "le" in rules:
        # Text is described with fewer whole digits than the bound, so no text the pattern admits exceeds it.
        digits = len(str(int(Decimal(rules["le"])))) - 1
    sign = "" if Decimal(rules.get("ge", -1)) >= 0 else "-?"
    whole = f"[0-9]{{1,{digits}}}" if digits else "[0-9]+"
    text = {"type": "string", "pattern": f"^{sign}{whole}(\\.[0-9]{{1,{places}}})?$"}
    return [number, text]


def _json_number(value) -> int | float:
    number = Decimal(value)
    return int(number) if number == number.to_integral_value() else float(number)
