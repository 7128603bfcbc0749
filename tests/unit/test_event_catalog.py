"""The bus's rules and the pipe name only sources, detail-types and detail fields the catalog has."""

from __future__ import annotations

import copy

import pytest

from chalicelib.events import catalog
from local_runtime import topology
from topology import catalog_check


def test_every_rule_names_only_catalog_sources_detail_types_and_fields():
    rules = topology.load()["rules"]
    assert rules
    assert catalog_check.problems(topology.load()) == []


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda r: r["event_pattern"].update({"detail-type": ["OrderShipped"]}), "detail-type: 'OrderShipped'"),
        (lambda r: r["event_pattern"].update({"source": ["app.order"]}), "source: 'app.order'"),
        (lambda r: r["event_pattern"].update({"detail": {"state": ["SHIPPED"]}}), "$.detail.state"),
        (
            lambda r: r["targets"]["notifier"]["input_transformer"]["input_paths"].update({"e": "$.detail.email"}),
            "$.detail.email",
        ),
    ],
)
def test_the_check_fails_on_a_name_the_catalog_lacks(change, complaint):
    rule = copy.deepcopy(topology.load()["rules"]["order-status-notify"])
    change(rule)
    assert any(complaint in p for p in catalog_check.rule_problems("order-status-notify", rule))


def test_the_pipe_sends_as_the_catalogs_order_source():
    target = topology.load()["pipe"]["target"]
    assert target["source"] == catalog.ORDERS
    assert target["detail_type"] == "$.detailType"  # the enrichment's output names the catalog's detail-type


def test_the_catalog_names_each_event_once_and_every_source_shares_the_analytics_prefix():
    names = [t.detail_type for t in catalog.CATALOG]
    assert len(names) == len(set(names))
    analytics = topology.load()["rules"]["analytics"]["event_pattern"]["source"]
    assert catalog_check.matched_sources(analytics) == {t.source for t in catalog.CATALOG}


def test_a_consumer_refuses_a_version_it_does_not_read():
    with pytest.raises(catalog.UnknownEvent, match="version 2"):
        catalog.read(catalog.ORDERS, "OrderCreated", {"version": 2})
    with pytest.raises(catalog.UnknownEvent, match="no event"):
        catalog.read(catalog.ORDERS, "OrderReserved", {"version": 1})
