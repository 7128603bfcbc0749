"""The API's description for people, on the API's port: `/openapi.json` and Swagger UI at `/docs` (dev only).

Swagger UI's files come from the pinned flask-swagger-ui package (its `dist/` is Swagger UI's own
release build; Flask is not used), so `/docs` works without a network.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

from chalice.local import ChaliceRequestHandler

SPEC_PATH = "/openapi.json"
DOCS_PATH = "/docs"
_TYPES = {".css": "text/css", ".js": "text/javascript", ".png": "image/png"}
# Only these files are served, by name: a request path never reaches the file system.
_ASSETS = (
    "swagger-ui.css",
    "index.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-32x32.png",
)

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>Orders platform API</title>
  <link rel="stylesheet" href="{docs}/swagger-ui.css">
  <link rel="stylesheet" href="{docs}/index.css">
  <link rel="icon" type="image/png" href="{docs}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{docs}/swagger-ui-bundle.js"></script>
  <script src="{docs}/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: "{spec}", dom_id: "#swagger-ui", deepLinking: true, tryItOutEnabled: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout"
    }});
  </script>
</body>
</html>
"""


def swagger_ui_dir() -> Path:
    """Swagger UI's release files inside the installed flask-swagger-ui (found without importing Flask)."""
    found = importlib.util.find_spec("flask_swagger_ui")
    if found is None or not found.submodule_search_locations:
        raise RuntimeError("flask-swagger-ui is not installed: `make dev` installs requirements-dev.txt")
    return Path(next(iter(found.submodule_search_locations))) / "dist"


@functools.cache
def _spec() -> bytes:
    from chalicelib.api.openapi import build_spec

    return json.dumps(build_spec(), indent=2).encode()


def handle(handler) -> None:
    """The API server's mount (local_runtime/api_server.py) for SPEC_PATH and DOCS_PATH: ours, or the app's answer."""
    answer = page(handler.path) if handler.command == "GET" else None
    if answer is None:
        # Another method, or a path under ours that is no docs file: the app answers (404, 405).
        ChaliceRequestHandler._generic_handle(handler)
    else:
        handler._send_http_response(*answer)


def page(path: str) -> tuple[int, dict[str, str], bytes] | None:
    """(status, headers, body) for a GET of a docs path, or None: the request is the app's."""
    path = path.split("?", 1)[0]
    if path == SPEC_PATH:
        return 200, {"Content-Type": "application/json"}, _spec()
    if path in (DOCS_PATH, DOCS_PATH + "/"):
        html = _PAGE.format(docs=DOCS_PATH, spec=SPEC_PATH).encode()
        return 200, {"Content-Type": "text/html; charset=utf-8"}, html
    name = path.removeprefix(DOCS_PATH + "/")
    if path.startswith(DOCS_PATH + "/") and name in _ASSETS:
        content = (swagger_ui_dir() / name).read_bytes()
        return 200, {"Content-Type": _TYPES[Path(name).suffix], "Cache-Control": "max-age=3600"}, content
    return None
