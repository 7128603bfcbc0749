"""A small writer of Terraform native syntax (HCL) for the build's generated files.

The build emits HCL rather than Terraform JSON because checkov 3.3.30's terraform_json runner
ignores skip comments (it builds no context for them), and because one framework then sees the
whole module as one graph. Values follow Terraform JSON's rules: a string is a template, so
Chalice's "${aws_x.y.arn}" strings keep their meaning when written as HCL quoted templates.
"""

from __future__ import annotations

import json
import re

# Keys that are nested blocks, not map-valued attributes, in the resources the build writes.
BLOCKS = {
    "environment",
    "lifecycle",
    "endpoint_configuration",
    "tracing_config",
    "dead_letter_config",
    "logging_config",
    "destination_config",
    "on_failure",
    "logging_configuration",
    "tracing_configuration",
    "retry_policy",
}
# Key under which a block carries comment lines (checkov skips, notes) rather than a value.
COMMENTS = "#"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class Expr(str):
    """A Terraform expression written as is (a reference or a function call)."""


def _interpolation_end(text: str, start: int) -> int:
    """Index just past the "}" closing the interpolation whose body starts at ``start``."""
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    raise ValueError(f"unclosed interpolation in {text!r}")


def quote(text: str) -> str:
    """An HCL quoted template with the same meaning as ``text`` in Terraform JSON.

    Literal text is escaped (quotes, backslashes, control characters, as json.dumps does); an
    interpolation or directive ("${...}", "%{...}") is an expression and is copied unescaped.
    """
    out, i = [], 0
    while i < len(text):
        if text.startswith(("$${", "%%{"), i):
            out.append(text[i : i + 3])
            i += 3
        elif text.startswith(("${", "%{"), i):
            end = _interpolation_end(text, i + 2)
            out.append(text[i:end])
            i = end
        else:
            out.append(json.dumps(text[i], ensure_ascii=False)[1:-1])
            i += 1
    return '"' + "".join(out) + '"'


def _single_interpolation(text: str) -> str | None:
    """The expression of a string that is exactly one "${...}", written bare as terraform fmt prefers."""
    if text.startswith("${") and _interpolation_end(text, 2) == len(text):
        return text[2:-1]
    return None


def _key(name: str) -> str:
    return name if _IDENTIFIER.match(name) else quote(name)


def value(v, indent: int = 0) -> str:
    """``v`` as an HCL expression; nested maps and long lists span lines."""
    pad = "  " * indent
    if isinstance(v, Expr):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, int | float):
        return json.dumps(v)
    if isinstance(v, str):
        return _single_interpolation(v) or quote(v)
    if isinstance(v, list):
        items = [value(i, indent + 1) for i in v]
        one_line = "[" + ", ".join(items) + "]"
        if "\n" not in one_line and len(one_line) + len(pad) < 100:
            return one_line
        return "[\n" + "".join(f"{pad}  {i},\n" for i in items) + f"{pad}]"
    if isinstance(v, dict):
        if not v:
            return "{}"
        return (
            "{\n"
            + "\n".join(_aligned([(_key(k), value(x, indent + 1)) for k, x in v.items()], indent + 1))
            + f"\n{pad}}}"
        )
    raise TypeError(f"cannot write {type(v).__name__} as HCL")


def _aligned(pairs: list[tuple[str, str]], indent: int) -> list[str]:
    """Attribute lines with "=" aligned over runs of one-line values, as terraform fmt does."""
    pad = "  " * indent
    lines: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(k) for k, _ in run), default=0)
        lines.extend(f"{pad}{k.ljust(width)} = {v}" for k, v in run)
        run.clear()

    for k, v in pairs:
        if "\n" in v:
            # A multi-line value ends the alignment run, so it is written on its own.
            flush()
            lines.append(f"{pad}{k} = {v}")
        else:
            run.append((k, v))
    flush()
    return lines


def body(attrs: dict, indent: int = 1) -> list[str]:
    """The lines inside a block: comments, then attributes, then nested blocks."""
    pad = "  " * indent
    lines = [f"{pad}# {c}" for c in attrs.get(COMMENTS, [])]
    plain = [(k, v) for k, v in attrs.items() if k != COMMENTS and not (k in BLOCKS and isinstance(v, dict | list))]
    lines += _aligned([(_key(k), value(v, indent)) for k, v in plain], indent)
    for k, v in attrs.items():
        if k in BLOCKS and isinstance(v, dict | list):
            for block in v if isinstance(v, list) else [v]:
                if lines:
                    lines.append("")
                lines.append(f"{pad}{k} {{")
                lines += body(block, indent + 1)
                lines.append(f"{pad}}}")
    return lines


def block(kind: str, labels: list[str], attrs: dict) -> str:
    """A top-level block, e.g. ``block("resource", ["aws_sqs_queue", "q"], {...})``."""
    head = " ".join([kind, *(quote(label) for label in labels)])
    return "\n".join([f"{head} {{", *body(attrs), "}"]) + "\n"
