"""What the emulator cannot create, declared with the reason, and the apply targets that leave it out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Resource types MiniStack 1.5.33 cannot create, each with what was seen. A type listed here but
# absent from the module is an error (the list must not outlive the gap it describes).
KNOWN_GAPS = {
    "aws_api_gateway_rest_api": (
        "MiniStack 1.5.33 cannot import an API Gateway v1 Swagger body: PutRestApi answers 404 "
        "'Unknown API Gateway v1 path: /restapis/<id>'"
    ),
}

# One edge of `terraform graph`: "a" -> "b" (a depends on b). Terraform writes only this form and
# node lines; a DOT library would add a dependency to read one line shape.
_EDGE = re.compile(r'^\s*"([^"]+)"\s*->\s*"([^"]+)";?\s*$')
_NODE = re.compile(r'^\s*"([^"]+)"\s*\[label=')


class StaleGapList(Exception):
    """KNOWN_GAPS names a resource type the module does not have."""


@dataclass
class Graph:
    """Resource-level dependencies of a module, as `terraform graph` draws them."""

    resources: set[str] = field(default_factory=set)
    depends_on: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, dot: str) -> Graph:
        graph = cls()
        for line in dot.splitlines():
            if edge := _EDGE.match(line):
                graph.depends_on.setdefault(edge.group(1), set()).add(edge.group(2))
            elif node := _NODE.match(line):
                graph.resources.add(node.group(1))
        graph.resources = {r for r in graph.resources if not r.startswith("data.")}
        return graph


@dataclass
class Selection:
    """Resources to apply, and those left out: a gap (with its reason) or what needs one."""

    targets: list[str]
    gaps: dict[str, str]
    blocked: dict[str, str]

    def left_out(self, address: str) -> bool:
        return address in self.gaps or address in self.blocked

    def reason(self, address: str) -> str:
        if address in self.gaps:
            return self.gaps[address]
        return f"needs {self.blocked[address]}, a known gap"


def resource_of(address: str) -> str:
    """The resource block of an instance address: aws_sqs_queue.queue["x"] -> aws_sqs_queue.queue."""
    return address.split("[", 1)[0]


def select(graph: Graph, known: dict[str, str] = KNOWN_GAPS) -> Selection:
    types = {r.split(".", 1)[0] for r in graph.resources}
    stale = sorted(set(known) - types)
    if stale:
        raise StaleGapList(f"known gaps name resource types the module does not have: {', '.join(stale)}")
    gaps = {r: known[r.split(".", 1)[0]] for r in graph.resources if r.split(".", 1)[0] in known}
    blocked: dict[str, str] = {}
    # A resource that depends, directly or through others, on a gap cannot be created either.
    changed = True
    while changed:
        changed = False
        for resource in sorted(graph.resources - set(gaps) - set(blocked)):
            for dependency in sorted(graph.depends_on.get(resource, ())):
                cause = dependency if dependency in gaps else blocked.get(dependency)
                if cause:
                    blocked[resource] = cause
                    changed = True
                    break
    targets = sorted(graph.resources - set(gaps) - set(blocked))
    return Selection(targets=targets, gaps=gaps, blocked=blocked)
