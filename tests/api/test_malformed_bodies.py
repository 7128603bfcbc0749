"""Property: no body a client can send makes POST /orders or PATCH answer 5xx."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
item = st.fixed_dictionaries({"sku": json_values | st.just("SKU-1"), "qty": json_values, "unitPrice": json_values})
order_like = st.fixed_dictionaries(
    {"customerId": json_values | st.just("c-1"), "customerEmail": json_values | st.just("a@b.co")},
    optional={"items": st.lists(item, max_size=3) | json_values, "currency": json_values | st.just("EUR")},
)
bodies = st.one_of(
    order_like.map(json.dumps),
    json_values.map(json.dumps),
    st.binary(max_size=200),
    st.text(max_size=200),
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(body=bodies)
def test_random_order_bodies_never_5xx(api, body):
    response = api.http.post("/orders", headers={"Content-Type": "application/json"}, body=body)
    assert response.status_code < 500, response.body
    payload = json.loads(response.body)
    if response.status_code >= 400:
        assert set(payload["error"]) >= {"code", "message"}


@SETTINGS
@given(body=bodies)
def test_random_patch_bodies_never_5xx(api, body):
    response = api.http.request("PATCH", "/orders/some-order", headers={"Content-Type": "application/json"}, body=body)
    assert response.status_code < 500, response.body
    assert response.status_code >= 400
