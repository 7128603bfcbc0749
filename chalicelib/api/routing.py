"""Every request gets an answer in the error shape: 405 with `Allow` on a known path, 404 elsewhere.

Registered as routes (not left to the server) so that API Gateway, `chalice local`, `make dev` and
the test client agree: API Gateway only invokes the function for a method and path that are routes,
and answers anything else itself (403 "Missing Authentication Token").
"""

from __future__ import annotations

from chalice import Chalice, Response

# Every method API Gateway can route; HEAD and OPTIONS too, so none of them falls to its default.
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# API Gateway's greedy path variable: every path no other resource matches.
CATCH_ALL = "/{proxy+}"
# No body reaches these views; any content type must get the 404/405, not Chalice's 415.
_ANY_CONTENT = ["*/*"]
# Route template -> the methods its own views take (filled by answer_every_request).
ALLOWED: dict[str, list[str]] = {}


def answer_every_request(app: Chalice) -> None:
    """Route each known path's other methods to 405, and `/` and every unknown path to 404."""
    known = {path: sorted(entries) for path, entries in app.routes.items()}
    ALLOWED.update(known)
    for path, allowed in known.items():
        others = [method for method in METHODS if method not in allowed]
        if others:
            app.route(path, methods=others, content_types=_ANY_CONTENT, name="method_not_allowed")(
                _method_not_allowed(app, allowed)
            )
    paths = ", ".join(sorted(known))
    for path in ("/", CATCH_ALL):
        app.route(path, methods=list(METHODS), content_types=_ANY_CONTENT, name="route_not_found")(
            _route_not_found(app, paths)
        )


def _method_not_allowed(app: Chalice, allowed: list[str]):
    def view(**_path_parameters) -> Response:
        from chalicelib.api.errors import error_response  # at call time: app.py loads this module in every function

        method = app.current_request.method
        return error_response(
            405,
            "METHOD_NOT_ALLOWED",
            f"{method} is not allowed here; allowed: {', '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )

    return view


def _route_not_found(app: Chalice, paths: str):
    def view(**_path_parameters) -> Response:
        from chalicelib.api.errors import error_response

        method = app.current_request.method
        return error_response(404, "ROUTE_NOT_FOUND", f"no route takes {method} on this path; the API serves {paths}")

    return view
