"""The bus's rules and the pipe name only sources, detail-types and detail fields the catalog has."""

from __future__ import annotations

import copy

import pytest

from chalicelib.events import catalog
from local_runtime import topology


def _sources(values) -> set[str]:
    """The catalog sources a pattern's ``source`` list matches (exact names and prefixes)."""
    known = {t.source for t in catalog.CATALOG}
    matched = set()
    for value in values:
        if isinstance(value, str):
            matched |= {value} & known
        elif isinstance(value, dict) and "prefix" in value:
            matched |= {s for s in known if s.startswith(value["prefix"])}
    return matched


def problems(name: str, rule: dict) -> list[str]:
    """Every name in ``rule``'s pattern (and its targets' input paths) that the catalog does not have."""
    pattern, found = rule["event_pattern"], []
    for value in pattern.get("source", []):
        if not _sources([value]):
            found.append(f"rule {name}: source {value!r} matches no catalog source")
    sources = _sources(pattern.get("source", [])) or {t.source for t in catalog.CATALOG}
    types = [t for t in catalog.CATALOG if t.source in sources]
    for detail_type in pattern.get("detail-type", []):
        if not isinstance(detail_type, str) or detail_type not in {t.detail_type for t in types}:
            found.append(f"rule {name}: detail-type {detail_type!r} is not a catalog event of {sorted(sources)}")
    named = [t for t in types if t.detail_type in pattern.get("detail-type", [])] or types
    fields = [f"$.detail.{field}" for field in pattern.get("detail", {})]
    for target in rule.get("targets", {}).values():
        fields += (target.get("input_transformer") or {}).get("input_paths", {}).values()
    for path in fields:
        field = path.removeprefix("$.detail.").split(".")[0]
        if path.startswith("$.detail.") and not all(field in t.detail.model_fields for t in named):
            found.append(f"rule {name}: {path} is not a field of every {[t.detail_type for t in named]}")
    return found


def test_every_rule_names_only_catalog_sources_detail_types_and_fields():
    rules = topology.load()["rules"]
    assert rules
    assert [p for name, rule in rules.items() for p in problems(name, rule)] == []


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda r: r["event_pattern"].update({"detail-type": ["OrderShipped"]}), "detail-type 'OrderShipped'"),
        (lambda r: r["event_pattern"].update({"source": ["app.order"]}), "source 'app.order'"),
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
    assert any(complaint in p for p in problems("order-status-notify", rule))


def test_the_pipe_sends_as_the_catalogs_order_source():
    target = topology.load()["pipe"]["target"]
    assert target["source"] == catalog.ORDERS
    assert target["detail_type"] == "$.detailType"  # the enrichment's output names the catalog's detail-type


def test_the_catalog_names_each_event_once_and_every_source_shares_the_analytics_prefix():
    names = [t.detail_type for t in catalog.CATALOG]
    assert len(names) == len(set(names))
    analytics = topology.load()["rules"]["analytics"]["event_pattern"]["source"]
    assert _sources(analytics) == {t.source for t in catalog.CATALOG}


def test_a_consumer_refuses_a_version_it_does_not_read():
    with pytest.raises(catalog.UnknownEvent, match="version 2"):
        catalog.read(catalog.ORDERS, "OrderCreated", {"version": 2})
    with pytest.raises(catalog.UnknownEvent, match="no event"):
        catalog.read(catalog.ORDERS, "OrderReserved", {"version": 1})
