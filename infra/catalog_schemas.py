"""Writes the event catalog's JSON Schemas to infra/event_schemas/ (Terraform registers them: event_schemas.tf).

One file per catalog event, named by its detail-type: the whole EventBridge event (source and
detail-type fixed, the detail as its model serializes it), in JSON Schema draft 4, the dialect
the EventBridge schema registry takes. Run after changing chalicelib/events/:
``python -m infra.catalog_schemas`` (tests/infra/test_event_schemas.py fails until then).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chalicelib.events import catalog

SCHEMA_DIR = Path(__file__).resolve().parent / "event_schemas"
DRAFT_4 = "http://json-schema.org/draft-04/schema#"


def _draft_4(node):
    """Pydantic writes draft 2020-12; the registry reads draft 4, which spells a constant as a one-value enum."""
    if isinstance(node, dict):
        out = {k: _draft_4(v) for k, v in node.items() if k != "const"}
        if "const" in node:
            out["enum"] = [node["const"]]
        return out
    if isinstance(node, list):
        return [_draft_4(v) for v in node]
    return node


def schema(event_type: catalog.EventType) -> dict:
    """The JSON Schema of one catalog event, as EventBridge delivers it."""
    detail = event_type.detail.model_json_schema(mode="serialization", ref_template="#/definitions/{model}")
    definitions = detail.pop("$defs", {})
    detail["properties"]["version"] = {"enum": [event_type.version], "title": "Version", "type": "integer"}
    return _draft_4(
        {
            "$schema": DRAFT_4,
            "title": event_type.detail_type,
            "description": f"{event_type.detail_type} v{event_type.version} from {event_type.source}",
            "type": "object",
            "required": ["detail-type", "source", "detail"],
            "properties": {
                "source": {"enum": [event_type.source]},
                "detail-type": {"enum": [event_type.detail_type]},
                "detail": {"$ref": f"#/definitions/{event_type.detail_type}Detail"},
            },
            "definitions": {**definitions, f"{event_type.detail_type}Detail": detail},
        }
    )


def rendered() -> dict[str, str]:
    """File name -> text, for every catalog event."""
    return {f"{t.detail_type}.json": json.dumps(schema(t), indent=2, sort_keys=True) + "\n" for t in catalog.CATALOG}


def write(directory: Path = SCHEMA_DIR, check: bool = False) -> list[str]:
    """Write (or, with ``check``, only compare) the schema files; returns the names that differed."""
    wanted = rendered()
    present = {p.name for p in directory.glob("*.json")} if directory.exists() else set()
    stale = sorted(
        n for n, text in wanted.items() if not (directory / n).exists() or (directory / n).read_text() != text
    )
    stale += sorted(present - set(wanted))
    if not check:
        directory.mkdir(exist_ok=True)
        for name in present - set(wanted):
            (directory / name).unlink()
        for name, text in wanted.items():
            (directory / name).write_text(text)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    args = parser.parse_args(argv)
    stale = write(check=args.check)
    for name in stale:
        print(f"{'out of date' if args.check else 'wrote'}: infra/event_schemas/{name}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
