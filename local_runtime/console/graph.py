"""The topology as a graph: every declared resource a node, every delivery path an edge.

Edges name the trace entries that light them (``lit_by``: source and function of a delivery, as
local_runtime.trace reports them), so the page can count deliveries and latency per edge.
"""

from __future__ import annotations

from local_runtime import topology
from local_runtime.event_source_mappings import QueueMapping, StreamMapping
from local_runtime.provision import declared_queues
from local_runtime.schedules import Schedule
from local_runtime.topic_subscriptions import TopicSubscription


def declaration() -> dict:
    """The topology declaration as plain data: the console's one reader of the loader."""
    return topology.load()


def _lit(source: str, function: str = "*") -> dict:
    # A source ending in "/" stands for every source under it (e.g. every state of a machine).
    return {"source": source, "function": function}


class _Graph:
    def __init__(self) -> None:
        self.nodes: dict[str, dict] = {}
        self.edges: dict[str, dict] = {}

    def node(self, node_id: str, kind: str, label: str, **extra) -> str:
        self.nodes.setdefault(node_id, {"id": node_id, "kind": kind, "label": label, **extra})
        return node_id

    def edge(self, source: str, target: str, kind: str = "flow", lit_by: list[dict] | None = None) -> None:
        edge_id = f"{source}->{target}"
        edge = self.edges.setdefault(edge_id, {"id": edge_id, "source": source, "target": target, "kind": kind})
        edge.setdefault("litBy", []).extend(lit_by or [])


def build(workers) -> dict:
    """Nodes and edges of the declared topology and of the app's event sources (the runtime's workers)."""
    declared = declaration()
    g = _Graph()
    for name, spec in declared["tables"].items():
        g.node(f"table:{name}", "table", name)
        if spec.get("stream_view_type"):
            g.node(f"stream:{name}", "stream", f"{name} stream", view=spec["stream_view_type"])
            g.edge(f"table:{name}", f"stream:{name}")
    queues = declared_queues()
    for name, spec in queues.items():
        dead_letter = name.endswith("-dlq") or bool(spec.get("dead_letter"))
        g.node(f"queue:{name}", "dlq" if dead_letter else "queue", name)
        if spec.get("redrive"):
            g.edge(f"queue:{name}", f"queue:{name}-dlq", "dead-letter")

    bus = declared["event_bus"]
    bus_id = g.node(f"bus:{bus['name']}", "bus", f"bus {bus['name']}")
    if bus.get("archive"):
        g.edge(bus_id, g.node(f"archive:{bus['name']}", "archive", f"archive ({bus['archive']['retention_days']} d)"))
    defaults = bus.get("target_defaults") or {}
    for name in declared.get("topics") or {}:
        g.node(f"topic:{name}", "topic", name)
    for rule, spec in declared["rules"].items():
        rule_id = g.node(
            f"rule:{rule}", "rule", rule, pattern=spec["event_pattern"], description=spec.get("description")
        )
        for target_id, target in spec["targets"].items():
            source = f"rule:{rule}/{target_id}"
            if target["topic"]:
                to, function = f"topic:{target['topic']}", f"topic:{target['topic']}"
                for subscription in (
                    (declared["topics"].get(target["topic"]) or {}).get("subscriptions") or {}
                ).values():
                    g.edge(to, f"queue:{subscription['queue']}", lit_by=[_lit(source, function)])
            else:
                to, function = g.node(f"fn:{target['function']}", "function", target["function"]), target["function"]
            # The rule matched whether its target then took the event or it was dead-lettered.
            g.edge(bus_id, rule_id, lit_by=[_lit(source, function), _lit(source, "dlq")])
            g.edge(rule_id, to, lit_by=[_lit(source, function)])
            dlq = target.get("dead_letter_queue", defaults.get("dead_letter_queue"))
            if dlq:
                g.edge(rule_id, f"queue:{dlq}", "dead-letter", lit_by=[_lit(source, "dlq")])

    pipe = declared.get("pipe")
    if pipe:
        pipe_id = g.node(f"pipe:{pipe['name']}", "pipe", f"pipe {pipe['name']}", filter=pipe.get("filter"))
        source = f"pipe:{pipe['name']}"
        # One count per batch the pipe read: it either reached the bus or was dead-lettered.
        target_bus = pipe["target"]["bus"]
        read = [_lit(source, f"bus:{target_bus}"), _lit(source, "dlq")]
        g.edge(f"stream:{pipe['source']['table']}", pipe_id, lit_by=read)
        enrichment = (pipe.get("enrichment") or {}).get("function")
        if enrichment:
            g.edge(pipe_id, g.node(f"fn:{enrichment}", "function", enrichment), lit_by=[_lit(source, enrichment)])
        g.edge(pipe_id, f"bus:{target_bus}", lit_by=[_lit(source, f"bus:{target_bus}")])
        if pipe["source"].get("dead_letter_queue"):
            g.edge(pipe_id, f"queue:{pipe['source']['dead_letter_queue']}", "dead-letter", [_lit(source, "dlq")])
    for function, mapping in (declared.get("stream_mappings") or {}).items():
        if mapping.get("on_failure"):
            g.edge(g.node(f"fn:{function}", "function", function), f"queue:{mapping['on_failure']}", "dead-letter")

    for worker in workers:
        fn = g.node(f"fn:{worker.function}", "function", worker.function) if hasattr(worker, "function") else None
        if isinstance(worker, QueueMapping):
            g.edge(f"queue:{worker.source.removeprefix('sqs:')}", fn, lit_by=[_lit(worker.source, worker.function)])
        elif isinstance(worker, StreamMapping):
            g.edge(
                f"stream:{worker.source.removeprefix('dynamodb:')}", fn, lit_by=[_lit(worker.source, worker.function)]
            )
        elif isinstance(worker, TopicSubscription):
            g.edge(f"topic:{worker.name.removeprefix('sns:')}", fn, lit_by=[_lit(worker.name, worker.function)])
        elif isinstance(worker, Schedule):
            schedule = g.node(f"schedule:{worker.function}", "schedule", worker.expression)
            g.edge(schedule, fn, lit_by=[_lit(f"schedule:{worker.expression}", worker.function)])

    for machine, spec in (declared.get("state_machines") or {}).items():
        sm = g.node(f"sm:{machine}", "state-machine", f"{machine} ({spec.get('type', 'STANDARD')})")
        trigger = spec.get("trigger") or {}
        if trigger.get("function"):
            lit = [_lit(f"sns:{trigger['topic']}", trigger["function"])] if trigger.get("topic") else []
            g.edge(g.node(f"fn:{trigger['function']}", "function", trigger["function"]), sm, lit_by=lit)
        for function in spec.get("functions", []):
            task = g.node(f"fn:{function}", "function", function)
            g.edge(sm, task, lit_by=[_lit(f"stepfunctions:{machine}/", function)])
        for table in (spec.get("tables") or {}).values():
            g.edge(sm, f"table:{table}")
        if spec.get("dead_letter_queue"):
            g.edge(sm, f"queue:{spec['dead_letter_queue']}", "dead-letter")
    # An edge to something undeclared would draw a dangling line: name it instead of hiding it.
    for edge in g.edges.values():
        for end in (edge["source"], edge["target"]):
            if end not in g.nodes:
                g.node(end, "undeclared", f"{end} (undeclared)")
    return {"nodes": list(g.nodes.values()), "edges": list(g.edges.values())}
