"""API Gateway's greedy path variable (`/{proxy+}`) for Chalice's local gateway, which lacks it.

Chalice's RouteMatcher (used by `chalice local`, `make dev` and chalice.test's Client) matches a
route only against paths with as many segments, so `/{proxy+}` would take `/x` but not `/x/y`, and
the rest would get Chalice's 403 (aws/chalice PR #2012, open). API Gateway tries every other
resource first and then gives the greedy one the whole remaining path, as this matcher does.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from chalice import local


def _is_greedy(route: str) -> bool:
    last = route.rsplit("/", 1)[-1]
    return last.startswith("{") and last.endswith("+}")


class GreedyRouteMatcher(local.RouteMatcher):
    """Chalice's matcher for ordinary routes; a greedy route takes what none of them matches."""

    def __init__(self, route_urls: list[str]) -> None:
        super().__init__([route for route in route_urls if not _is_greedy(route)])
        # The deepest greedy resource wins, as in API Gateway.
        self.greedy_urls = sorted((r for r in route_urls if _is_greedy(r)), key=lambda r: r.count("/"), reverse=True)

    def match_route(self, url: str) -> local.MatchResult:
        try:
            return super().match_route(url)
        except ValueError:
            pass
        parsed = urlparse(url)
        path = parsed.path if parsed.path == "/" else parsed.path.rstrip("/")
        parts = path.split("/")
        for route in self.greedy_urls:
            prefix = route.split("/")[:-1]
            rest = parts[len(prefix) :]
            if not rest or rest == [""]:
                continue
            captured = {}
            for given, expected in zip(parts, prefix, strict=False):
                if expected.startswith("{") and expected.endswith("}"):
                    captured[expected[1:-1]] = given
                elif given != expected:
                    break
            else:
                captured[route.rsplit("/", 1)[-1][1:-2]] = "/".join(rest)
                return local.MatchResult(route, captured, parse_qs(parsed.query, keep_blank_values=True))
        raise ValueError(f"No matching route found for: {url}")


def match_greedy_paths_locally() -> None:
    """Make every local gateway created from now on match greedy routes as API Gateway does."""
    local.RouteMatcher = GreedyRouteMatcher
