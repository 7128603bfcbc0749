"""Greedy path variables for Chalice's local gateway, matched the way API Gateway matches them."""

import pytest

from local_runtime.api_gateway_routes import GreedyRouteMatcher

ROUTES = ["/", "/orders", "/orders/{order_id}", "/files/{bucket}/{key+}", "/{proxy+}"]


@pytest.fixture
def matcher():
    return GreedyRouteMatcher(ROUTES)


@pytest.mark.parametrize(
    ("url", "route", "captured"),
    [
        ("/", "/", {}),
        ("/orders", "/orders", {}),
        ("/orders/", "/orders", {}),
        ("/orders/o-1", "/orders/{order_id}", {"order_id": "o-1"}),
        ("/ORDERS", "/{proxy+}", {"proxy": "ORDERS"}),
        ("/orders/o-1/items", "/{proxy+}", {"proxy": "orders/o-1/items"}),
        ("/orders//x", "/{proxy+}", {"proxy": "orders//x"}),
        ("/files/b-1/a/b/c.txt", "/files/{bucket}/{key+}", {"bucket": "b-1", "key": "a/b/c.txt"}),
        ("/files/b-1", "/{proxy+}", {"proxy": "files/b-1"}),
    ],
)
def test_concrete_routes_first_then_the_deepest_greedy_one(matcher, url, route, captured):
    match = matcher.match_route(url)
    assert (match.route, match.captured) == (route, captured)


def test_query_string_is_kept(matcher):
    assert matcher.match_route("/a/b?x=1&x=2&y=").query_params == {"x": ["1", "2"], "y": [""]}


def test_without_a_greedy_route_an_unmatched_path_is_still_unmatched():
    with pytest.raises(ValueError, match="No matching route"):
        GreedyRouteMatcher(["/orders"]).match_route("/orders/x/y")
