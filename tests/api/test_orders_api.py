"""The Orders API through Chalice's test client, on moto in-process."""

import json

import pytest

ORDER = {
    "customerId": "cust-42",
    "customerEmail": "ada@example.com",
    "items": [{"sku": "BOOK-1", "qty": 2, "unitPrice": 19.99}, {"sku": "PEN-7", "qty": 1, "unitPrice": "0.50"}],
}
JSON = {"Content-Type": "application/json"}


def post(api, body, headers=None):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return api.http.post("/orders", headers={**JSON, **(headers or {})}, body=raw)


def patch(api, order_id, body):
    return api.http.request("PATCH", f"/orders/{order_id}", headers=JSON, body=json.dumps(body))


def error_code(response):
    return json.loads(response.body)["error"]["code"]


def test_create_returns_201_location_and_exact_total(api):
    response = post(api, ORDER)
    assert response.status_code == 201
    order = json.loads(response.body)
    assert response.headers["Location"] == f"/orders/{order['orderId']}"
    assert order["total"] == "40.48"
    assert order["status"] == "PENDING"
    assert order["version"] == 1
    assert order["currency"] == "USD"


def test_get_returns_stored_order(api):
    created = json.loads(post(api, ORDER).body)
    response = api.http.get(f"/orders/{created['orderId']}")
    assert response.status_code == 200
    assert json.loads(response.body) == created


def test_unknown_order_is_404_with_code(api):
    response = api.http.get("/orders/nope")
    assert response.status_code == 404
    assert error_code(response) == "ORDER_NOT_FOUND"


def test_status_moves_along_transitions_and_bumps_version(api):
    order = json.loads(post(api, ORDER).body)
    paid = patch(api, order["orderId"], {"status": "PAID", "version": 1})
    assert paid.status_code == 200
    assert json.loads(paid.body)["version"] == 2
    shipped = json.loads(patch(api, order["orderId"], {"status": "SHIPPED", "version": 2}).body)
    assert shipped["status"] == "SHIPPED"
    assert shipped["updatedAt"] >= shipped["createdAt"]


def test_stale_version_is_409_and_changes_nothing(api):
    order = json.loads(post(api, ORDER).body)
    assert patch(api, order["orderId"], {"status": "PAID", "version": 1}).status_code == 200
    stale = patch(api, order["orderId"], {"status": "CANCELLED", "version": 1})
    assert stale.status_code == 409
    assert error_code(stale) == "VERSION_CONFLICT"
    assert json.loads(api.http.get(f"/orders/{order['orderId']}").body)["status"] == "PAID"


def test_forbidden_transition_is_409(api):
    order = json.loads(post(api, ORDER).body)
    response = patch(api, order["orderId"], {"status": "DELIVERED", "version": 1})
    assert response.status_code == 409
    assert error_code(response) == "INVALID_STATUS_TRANSITION"


def test_unknown_status_is_400(api):
    order = json.loads(post(api, ORDER).body)
    response = patch(api, order["orderId"], {"status": "LOST", "version": 1})
    assert response.status_code == 400
    assert error_code(response) == "VALIDATION_ERROR"


def test_delete_removes_then_404(api):
    order = json.loads(post(api, ORDER).body)
    assert api.http.delete(f"/orders/{order['orderId']}").status_code == 204
    assert api.http.get(f"/orders/{order['orderId']}").status_code == 404
    assert error_code(api.http.delete(f"/orders/{order['orderId']}")) == "ORDER_NOT_FOUND"


def test_idempotency_key_replays_first_response(api):
    first = post(api, ORDER, {"Idempotency-Key": "k-1"})
    again = post(api, ORDER, {"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert json.loads(again.body) == json.loads(first.body)
    listed = json.loads(api.http.get("/orders?customerId=cust-42").body)["orders"]
    assert len(listed) == 1


def test_idempotency_key_with_other_body_is_422(api):
    assert post(api, ORDER, {"Idempotency-Key": "k-2"}).status_code == 201
    other = post(api, {**ORDER, "currency": "EUR"}, {"Idempotency-Key": "k-2"})
    assert other.status_code == 422
    assert error_code(other) == "IDEMPOTENCY_KEY_REUSED"


def test_list_paginates_with_opaque_token_newest_first(api):
    ids = [json.loads(post(api, ORDER).body)["orderId"] for _ in range(5)]
    seen, token = [], None
    while True:
        query = "/orders?customerId=cust-42&limit=2" + (f"&nextToken={token}" if token else "")
        page = json.loads(api.http.get(query).body)
        assert len(page["orders"]) <= 2
        seen += [o["orderId"] for o in page["orders"]]
        token = page["nextToken"]
        if not token:
            break
    assert seen == list(reversed(ids))


def test_list_filters_by_customer_and_status(api):
    keep = json.loads(post(api, ORDER).body)
    other = json.loads(post(api, ORDER).body)
    patch(api, other["orderId"], {"status": "PAID", "version": 1})
    post(api, {**ORDER, "customerId": "someone-else"})
    pending = json.loads(api.http.get("/orders?customerId=cust-42&status=PENDING&limit=1").body)
    assert [o["orderId"] for o in pending["orders"]] == [keep["orderId"]]
    assert pending["nextToken"] is None
    paid = json.loads(api.http.get("/orders?status=PAID").body)
    assert [o["orderId"] for o in paid["orders"]] == [other["orderId"]]


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/orders?customerId=c&nextToken=garbage!!", "INVALID_NEXT_TOKEN"),
        ("/orders?customerId=c&limit=0", "VALIDATION_ERROR"),
        ("/orders?customerId=c&limit=abc", "VALIDATION_ERROR"),
        ("/orders?customerId=c&colour=red", "VALIDATION_ERROR"),
        ("/orders", "VALIDATION_ERROR"),
        ("/orders?status=LOST", "VALIDATION_ERROR"),
    ],
)
def test_bad_list_queries_are_400(api, path, code):
    response = api.http.get(path)
    assert response.status_code == 400
    assert error_code(response) == code


def test_token_from_another_query_is_rejected(api):
    for _ in range(3):
        post(api, ORDER)
    token = json.loads(api.http.get("/orders?customerId=cust-42&limit=1").body)["nextToken"]
    response = api.http.get(f"/orders?status=PENDING&nextToken={token}")
    assert error_code(response) == "INVALID_NEXT_TOKEN"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "MALFORMED_JSON"),
        ("", 400, "MALFORMED_JSON"),
        ("[1, 2]", 400, "MALFORMED_JSON"),
        ('{"customerId": NaN}', 400, "MALFORMED_JSON"),
        (json.dumps({**ORDER, "items": [{"sku": "A", "qty": -1, "unitPrice": 1}]}), 400, "VALIDATION_ERROR"),
        (json.dumps({**ORDER, "extra": 1}), 400, "VALIDATION_ERROR"),
        (json.dumps({k: v for k, v in ORDER.items() if k != "items"}), 400, "VALIDATION_ERROR"),
        (json.dumps({**ORDER, "pad": "x" * 70_000}), 413, "PAYLOAD_TOO_LARGE"),
    ],
)
def test_bad_bodies_get_4xx_and_write_nothing(api, body, status, code):
    response = post(api, body)
    assert response.status_code == status
    error = json.loads(response.body)["error"]
    assert error["code"] == code
    assert error["message"]
    assert json.loads(api.http.get("/orders?customerId=cust-42").body)["orders"] == []


def test_validation_error_names_the_field(api):
    body = {**ORDER, "items": [{"sku": "A", "qty": 0, "unitPrice": 1}]}
    error = json.loads(post(api, body).body)["error"]
    assert error["details"][0]["field"] == "items.0.qty"
    assert "greater than or equal to 1" in error["message"]


def test_wrong_content_type_is_415_in_our_shape(api):
    response = api.http.post("/orders", headers={"Content-Type": "text/plain"}, body=json.dumps(ORDER))
    assert response.status_code == 415
    assert error_code(response) == "UNSUPPORTED_MEDIA_TYPE"


def test_wrong_method_is_405_in_our_shape(api):
    response = api.http.put("/orders", headers=JSON, body="{}")
    assert response.status_code == 405
    assert error_code(response) == "METHOD_NOT_ALLOWED"


def test_ids_no_order_could_have_are_404_not_a_database_error(api):
    huge = "x" * 3000  # DynamoDB refuses keys over 2048 bytes; moto does not, so the bound is ours
    assert error_code(api.http.get(f"/orders/{huge}")) == "ORDER_NOT_FOUND"
    assert error_code(api.http.delete(f"/orders/{huge}")) == "ORDER_NOT_FOUND"
    assert error_code(patch(api, huge, {"status": "PAID", "version": 1})) == "ORDER_NOT_FOUND"
    assert json.loads(api.http.get(f"/payments/{huge}").body)["error"]["code"] == "PAYMENT_NOT_FOUND"


def test_a_forged_token_for_another_partition_is_rejected(api):
    import base64

    for _ in range(2):
        post(api, ORDER)
    token = json.loads(api.http.get("/orders?customerId=cust-42&limit=1").body)["nextToken"]
    data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    data["k"]["customerId"] = "someone-else"  # the fingerprint still matches cust-42's query
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    assert error_code(api.http.get(f"/orders?customerId=cust-42&nextToken={forged}")) == "INVALID_NEXT_TOKEN"
