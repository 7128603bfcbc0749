"""EventBridge input transformer semantics (local_runtime.eventbridge.transformer), rule by rule."""

import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.events import catalog
from chalicelib.events.orders import OrderStatusChanged
from chalicelib.notifications.notifier import StatusNotice
from local_runtime.eventbridge import InputTransformer, InvalidTransformer
from local_runtime.eventbridge.transformer import as_payload, pipe_variables, rule_variables
from local_runtime.topology import TOPOLOGY_FILE

EVENT = {
    "version": "0",
    "id": "e-1",
    "source": "app.orders",
    "account": "123456789012",
    "region": "us-east-1",
    "resources": [],
    "detail-type": "OrderStatusChanged",
    "time": "2026-11-23T10:00:00Z",
    "detail": {
        "orderId": "o-1",
        "status": "SHIPPED",
        "customerEmail": "ada@example.com",
        "version": 3,
        "paid": True,
        "note": None,
        "address": {"city": "Paris", "zip": "75001"},
        "tags": ["gift", "fragile"],
    },
}
RULE = rule_variables(EVENT, "orders-platform-local-notify", "arn:aws:events:us-east-1:123456789012:rule/b/r")


def render(paths: dict, template: str, event: dict = EVENT, variables: dict = RULE):
    text = InputTransformer.for_rule(paths, template).render(event, variables)
    return text if text is None else as_payload(text)


def test_unquoted_string_placeholder_becomes_a_json_string():
    assert render({"orderId": "$.detail.orderId"}, '{"orderId": <orderId>}') == {"orderId": "o-1"}


def test_unquoted_values_keep_their_json_types():
    paths = {"v": "$.detail.version", "p": "$.detail.paid", "n": "$.detail.note", "a": "$.detail.address"}
    out = render(paths, '{"v": <v>, "p": <p>, "n": <n>, "a": <a>}')
    assert out == {"v": 3, "p": True, "n": None, "a": {"city": "Paris", "zip": "75001"}}


def test_quoted_number_and_boolean_become_text():
    out = render({"v": "$.detail.version", "p": "$.detail.paid"}, '{"s": "v<v>", "b": "<p>"}')
    assert out == {"s": "v3", "b": "true"}


def test_placeholders_inside_a_sentence_are_inserted_raw():
    out = render({"o": "$.detail.orderId", "s": "$.detail.status"}, '{"m": "Order <o> is now <s>."}')
    assert out == {"m": "Order o-1 is now SHIPPED."}


def test_missing_path_is_an_empty_string_outside_quotes():
    # The old assertion said null; AWS writes "" (issue 10, recorded on AWS).
    assert render({"x": "$.detail.nope"}, '{"x": <x>}') == {"x": ""}


def test_missing_path_and_null_are_empty_inside_quotes():
    assert render({"x": "$.detail.nope", "n": "$.detail.note"}, '{"m": "[<x>|<n>]"}') == {"m": "[|]"}


def test_object_or_array_inside_a_json_string_drops_the_event():
    assert render({"a": "$.detail.address"}, '{"m": "at <a>"}') is None
    assert render({"t": "$.detail.tags"}, '{"m": "<t>"}') is None


def test_object_and_array_in_a_string_template_are_written_without_quotes():
    out = render({"a": "$.detail.address", "t": "$.detail.tags"}, '"ship to <a> with <t>"')
    assert out == "ship to {city:Paris,zip:75001} with [gift,fragile]"


def test_string_template_is_delivered_as_a_string():
    assert render({"o": "$.detail.orderId"}, '"order <o> shipped"') == "order o-1 shipped"


def test_value_with_quotes_is_escaped_inside_strings():
    event = {**EVENT, "detail": {**EVENT["detail"], "orderId": 'say "hi"'}}
    assert render({"o": "$.detail.orderId"}, '{"m": "<o>"}', event) == {"m": 'say "hi"'}


def test_array_index_and_wildcard_paths():
    paths = {"first": "$.detail.tags[0]", "all": "$.detail.tags[*]"}
    assert render(paths, '{"f": <first>, "a": <all>}') == {"f": "gift", "a": ["gift", "fragile"]}


def test_reserved_rule_variables():
    out = render(
        {},
        '{"name": "<aws.events.rule-name>", "arn": "<aws.events.rule-arn>", "at": "<aws.events.event.ingestion-time>",'
        ' "e": <aws.events.event>, "j": <aws.events.event.json>}',
    )
    assert out["name"] == "orders-platform-local-notify"
    assert out["arn"].endswith(":rule/b/r")
    assert out["at"] == EVENT["time"]
    assert out["j"] == EVENT
    # aws.events.event is the event without its detail.
    assert out["e"] == {k: v for k, v in EVENT.items() if k != "detail"}


@pytest.mark.parametrize(
    ("paths", "template", "problem"),
    [
        ({}, '{"x": <x>}', "<x>"),
        ({"x": "detail.x"}, "<x>", "JSON path"),
        ({"aws.events.rule-name": "$.x"}, "<aws.events.rule-name>", "reserved"),
        ({"a b": "$.x"}, "<a b>", "letters"),
        ({f"k{i}": "$.x" for i in range(101)}, "<k1>", "at most 100"),
        ({}, "", "non-empty"),
    ],
)
def test_put_targets_rejects(paths, template, problem):
    with pytest.raises(InvalidTransformer, match=problem):
        InputTransformer.for_rule(paths, template)


def test_pipe_template_paths_and_reserved_variables():
    template = InputTransformer.for_pipe(
        '{"id": <$.detail.orderId>, "pipe": "<aws.pipes.pipe-name>", "src": "<aws.pipes.source-arn>"}'
    )
    variables = pipe_variables(
        EVENT,
        pipe_arn="arn:aws:pipes:us-east-1:123456789012:pipe/p1",
        source_arn="arn:stream",
        enrichment_arn="",
        target_arn="arn:bus",
        ingested="2026-11-23T10:00:00.000Z",
    )
    assert json.loads(template.render(EVENT, variables)) == {"id": "o-1", "pipe": "p1", "src": "arn:stream"}


def test_pipe_template_that_is_one_placeholder_passes_the_value():
    assert json.loads(InputTransformer.for_pipe("<$.detail.address>").render(EVENT, {})) == {
        "city": "Paris",
        "zip": "75001",
    }
    assert InputTransformer.for_pipe("<$.detail-type>").render(EVENT, {}) == "OrderStatusChanged"


def test_pipe_template_rejects_unknown_variables():
    with pytest.raises(InvalidTransformer, match=r"aws\.events\.rule-name"):
        InputTransformer.for_pipe('{"r": "<aws.events.rule-name>"}')


def test_declared_notifier_transformer_gives_the_notifier_its_input():
    """The catalog's OrderStatusChanged, through the declared transformer, is what the notifier reads."""
    topology = yaml.safe_load(TOPOLOGY_FILE.read_text())
    spec = topology["rules"]["order-status-notify"]["targets"]["notifier"]["input_transformer"]
    detail = catalog.new(
        OrderStatusChanged,
        eventId="e-1",
        correlationId="req-7",
        occurredAt="2026-11-23T10:00:00.000Z",
        orderId="o-1",
        customerId="c-1",
        customerEmail="ada@example.com",
        currency="EUR",
        total="40.48",
        status="SHIPPED",
        orderVersion=3,
        previousStatus="PAID",
    ).wire()
    notice = render(spec["input_paths"], spec["input_template"], {**EVENT, "detail": detail})
    assert notice == {
        "orderId": "o-1",
        "status": "SHIPPED",
        "email": "ada@example.com",
        "correlationId": "req-7",
        "message": "Your order o-1 is now SHIPPED.",
    }
    assert StatusNotice.model_validate(notice).correlationId == "req-7"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=15,
)
TEMPLATES = [
    '{"a": <a>, "b": "x <b> y", "c": [<a>, "<c>"]}',
    '"text <a> and <b>"',
    "free <a> text",
    "<a>",
]


@settings(max_examples=150, deadline=None)
@given(detail=json_values)
def test_rendering_never_raises(detail):
    paths = {"a": "$.detail", "b": "$.detail.k", "c": "$.detail[0]"}
    event = {**EVENT, "detail": detail}
    for template in TEMPLATES:
        out = InputTransformer.for_rule(paths, template).render(event, RULE)
        assert out is None or isinstance(out, str)
