"""The API's OpenAPI 3.1 document beside the Terraform module (``make package``): build/terraform/openapi.json.

On AWS the REST API takes no request validators from it: API Gateway would answer a body its draft-4
model refuses with its own 400 (no `details[]`, its message text unescaped in a JSON template, and
MALFORMED_JSON indistinguishable from VALIDATION_ERROR), so the Lambda keeps the one validation, with
the same answers as the local stack. README, "The Orders API", says so.
"""

from __future__ import annotations

import json
from pathlib import Path

FILE_NAME = "openapi.json"


def write_spec(out: Path) -> Path:
    """Write the spec into the module directory ``out``; returns its path."""
    from chalicelib.api.openapi import build_spec

    path = out / FILE_NAME
    path.write_text(json.dumps(build_spec(), indent=2) + "\n")
    return path
