"""Reads infra/topology.yaml into the typed topology, or one line per problem naming its key path."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from topology.model import Topology

PROJECT_DIR = Path(__file__).resolve().parent.parent
TOPOLOGY_FILE = PROJECT_DIR / "infra" / "topology.yaml"


class TopologyError(Exception):
    """The declaration is not a valid topology; each line names the file and the key path."""


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise TopologyError(f"{path}: {' '.join(str(error).split())}") from error
    if not isinstance(data, dict):
        raise TopologyError(f"{path}: not a mapping of sections")
    return data


def _line(path: Path, error: dict) -> str:
    loc = ".".join(str(part) for part in error["loc"])
    # Cross-reference problems are raised by the model as a whole; their message starts with the path.
    message = error["msg"].removeprefix("Value error, ")
    return f"{path}: {loc + ': ' if loc else ''}{message}"


def load(topology_file: Path = TOPOLOGY_FILE, project_dir: Path | None = None) -> Topology:
    """The validated topology; state machine definitions are looked up under ``project_dir``."""
    topology_file = Path(topology_file)
    try:
        return Topology.model_validate(
            _read(topology_file), context={"project_dir": project_dir or topology_file.parent.parent}
        )
    except ValidationError as error:
        raise TopologyError("\n".join(_line(topology_file, e) for e in error.errors())) from None


def document(topology: Topology) -> dict:
    """The normalized, fully defaulted JSON document Terraform decodes and every other reader reads."""
    return topology.model_dump(mode="json")


@cache
def default() -> Topology:
    """The project's own topology, loaded once per process."""
    return load()
