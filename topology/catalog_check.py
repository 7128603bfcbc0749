"""The bus's rules name only sources, detail-types and detail fields the event catalog has."""

from __future__ import annotations

from pathlib import Path

from chalicelib.events import catalog
from topology.loader import TopologyError, document
from topology.model import Topology


def matched_sources(values) -> set[str]:
    """The catalog sources a pattern's ``source`` list matches (exact names and prefixes)."""
    known = {t.source for t in catalog.CATALOG}
    matched = set()
    for value in values:
        if isinstance(value, str):
            matched |= {value} & known
        elif isinstance(value, dict) and isinstance(value.get("prefix"), str):  # a malformed one is the pattern check's
            matched |= {s for s in known if s.startswith(value["prefix"])}
    return matched


def rule_problems(name: str, rule: dict) -> list[str]:
    """Every name in normalized ``rule``'s pattern (and its targets' input paths) the catalog lacks."""
    pattern, found = rule["event_pattern"], []
    at = f"rules.{name}.event_pattern"
    for value in pattern.get("source", []):
        if not matched_sources([value]):
            found.append(f"{at}.source: {value!r} matches no catalog source")
    sources = matched_sources(pattern.get("source", [])) or {t.source for t in catalog.CATALOG}
    types = [t for t in catalog.CATALOG if t.source in sources]
    for detail_type in pattern.get("detail-type", []):
        if not isinstance(detail_type, str) or detail_type not in {t.detail_type for t in types}:
            found.append(f"{at}.detail-type: {detail_type!r} is not a catalog event of {sorted(sources)}")
    named = [t for t in types if t.detail_type in pattern.get("detail-type", [])] or types
    fields = [(f"{at}.detail", f"$.detail.{field}") for field in pattern.get("detail", {})]
    for target, spec in rule.get("targets", {}).items():
        paths = (spec.get("input_transformer") or {}).get("input_paths") or {}
        fields += [(f"rules.{name}.targets.{target}.input_transformer.input_paths", p) for p in paths.values()]
    for where, path in fields:
        field = path.removeprefix("$.detail.").split(".")[0]
        if path.startswith("$.detail.") and not all(field in t.detail.model_fields for t in named):
            found.append(f"{where}: {path} is not a field of every {[t.detail_type for t in named]}")
    return found


def problems(declared: dict) -> list[str]:
    """Every catalog mismatch in the normalized document's rules, one line each."""
    return [p for name, rule in declared["rules"].items() for p in rule_problems(name, rule)]


def check(declared: Topology, topology_file: Path) -> None:
    """Raise TopologyError, one line per mismatch naming the file and key path (as the loader does)."""
    found = problems(document(declared))
    if found:
        raise TopologyError("\n".join(f"{topology_file}: {p}" for p in found))
