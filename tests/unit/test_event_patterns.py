"""Event patterns (local_runtime.eventbridge.patterns): AWS's documented examples, validation, never raising."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from local_runtime.eventbridge import BUS, PIPE, EventPattern, InvalidEventPattern
from tests.eventbridge_cases import BUS_ONLY, EVENT, INVALID, MATCHING


@pytest.mark.parametrize(("name", "pattern", "event", "expected"), MATCHING, ids=[c[0] for c in MATCHING])
def test_documented_examples_match_as_on_aws(name, pattern, event, expected):
    assert EventPattern(pattern).matches(event) is expected


@pytest.mark.parametrize(("name", "pattern", "event", "expected"), MATCHING, ids=[c[0] for c in MATCHING])
def test_pipe_filters_share_the_semantics_where_pipes_allow_the_operator(name, pattern, event, expected):
    try:
        pipe_pattern = EventPattern(pattern, PIPE)
    except InvalidEventPattern:
        assert '"anything-but": {' in json.dumps(pattern)  # the bus-only forms
        return
    assert pipe_pattern.matches(event) is expected


@pytest.mark.parametrize(("name", "pattern", "reason"), INVALID, ids=[c[0] for c in INVALID])
@pytest.mark.parametrize("dialect", [BUS, PIPE])
def test_what_aws_rejects_is_rejected_with_the_reason(name, pattern, reason, dialect):
    with pytest.raises(InvalidEventPattern) as error:
        EventPattern(pattern if isinstance(pattern, str) else json.dumps(pattern), dialect)
    # A pipe refuses an anything-but object for being bus-only before looking inside it.
    assert reason in str(error.value) or (dialect == PIPE and "pipes do not support" in str(error.value))


@pytest.mark.parametrize(("name", "pattern"), BUS_ONLY, ids=[c[0] for c in BUS_ONLY])
def test_bus_only_operators_are_refused_in_a_pipe(name, pattern):
    EventPattern(pattern, BUS)
    with pytest.raises(InvalidEventPattern, match="pipes do not support"):
        EventPattern(pattern, PIPE)


def test_the_error_names_where_the_problem_is():
    with pytest.raises(InvalidEventPattern, match=r"at 'detail\.ip'"):
        EventPattern({"detail": {"ip": [{"cidr": "300.1.1.1/8"}]}})


def test_the_stacks_pipe_filter_keeps_order_items_only():
    from local_runtime import topology

    (pattern,) = topology.load()["pipe"]["filter"]
    order = {"eventName": "INSERT", "dynamodb": {"Keys": {"orderId": {"S": "o-1"}}}}
    other = {"eventName": "INSERT", "dynamodb": {"Keys": {"id": {"S": "x"}}}}
    assert EventPattern(pattern, PIPE).matches(order) is True
    assert EventPattern(pattern, PIPE).matches(other) is False


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)
VALID_PATTERNS = [EventPattern(pattern) for _, pattern, _, _ in MATCHING]


@settings(max_examples=200, deadline=None)
@given(detail=json_values, state=json_values)
def test_matching_never_raises_on_any_event(detail, state):
    event = {**EVENT, "detail": {"state": state, "items": detail, "c-count": detail, "tags": state}}
    for pattern in VALID_PATTERNS:
        assert pattern.matches(event) in (True, False)
