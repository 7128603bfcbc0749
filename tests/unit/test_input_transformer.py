"""EventBridge input transformer semantics, including what moto gets wrong."""

import yaml

from local_runtime.input_transformer import transform
from local_runtime.topology import TOPOLOGY_FILE

EVENT = {
    "id": "e-1",
    "source": "app.orders",
    "detail-type": "OrderStatusChanged",
    "time": "2026-11-23T10:00:00Z",
    "detail": {"orderId": "o-1", "status": "SHIPPED", "customerEmail": "ada@example.com", "version": 3},
}


def test_unquoted_string_placeholder_becomes_a_json_string():
    out = transform({"orderId": "$.detail.orderId"}, '{"orderId": <orderId>}', EVENT)
    assert out == {"orderId": "o-1"}


def test_unquoted_number_stays_a_number_and_quoted_number_becomes_text():
    out = transform({"v": "$.detail.version"}, '{"n": <v>, "s": "v<v>"}', EVENT)
    assert out == {"n": 3, "s": "v3"}


def test_placeholders_inside_a_sentence_are_inserted_raw():
    out = transform({"o": "$.detail.orderId", "s": "$.detail.status"}, '{"m": "Order <o> is now <s>."}', EVENT)
    assert out == {"m": "Order o-1 is now SHIPPED."}


def test_missing_path_is_null_outside_quotes():
    assert transform({"x": "$.detail.nope"}, '{"x": <x>}', EVENT) == {"x": None}


def test_whole_event_and_rule_name_reserved_variables():
    out = transform({}, '{"e": <aws.events.event>, "r": "<aws.events.rule-name>"}', EVENT, rule_name="r1")
    assert out == {"e": EVENT, "r": "r1"}


def test_string_template_is_delivered_as_a_string():
    assert transform({"o": "$.detail.orderId"}, '"order <o> shipped"', EVENT) == "order o-1 shipped"


def test_value_with_quotes_is_escaped_inside_strings():
    event = {**EVENT, "detail": {**EVENT["detail"], "orderId": 'say "hi"'}}
    assert transform({"o": "$.detail.orderId"}, '{"m": "<o>"}', event) == {"m": 'say "hi"'}


def test_declared_notifier_transformer_gives_the_notifier_its_input():
    topology = yaml.safe_load(TOPOLOGY_FILE.read_text())
    spec = topology["rules"]["order-status-notify"]["targets"]["notifier"]["input_transformer"]
    out = transform(spec["input_paths"], spec["input_template"], EVENT)
    assert out == {
        "orderId": "o-1",
        "status": "SHIPPED",
        "email": "ada@example.com",
        "message": "Your order o-1 is now SHIPPED.",
    }
