"""Reads infra/topology.yaml and infra/functions.yaml into the typed topology, or one line per problem."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from topology.model import Topology

PROJECT_DIR = Path(__file__).resolve().parent.parent
TOPOLOGY_FILE = PROJECT_DIR / "infra" / "topology.yaml"
# Keys of the merged document that come from functions.yaml; the rest come from topology.yaml.
FUNCTION_KEYS = ("functions", "async_dead_letter_queue")


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


def _line(error: dict, topology_file: Path, functions_file: Path) -> str:
    loc = [str(part) for part in error["loc"]]
    message = error["msg"].removeprefix("Value error, ")
    source = functions_file if loc and loc[0] in FUNCTION_KEYS else topology_file
    if not loc and message.startswith(FUNCTION_KEYS):
        source = functions_file
    return f"{source}: {'.'.join(loc) + ': ' if loc else ''}{message}"


def load(
    topology_file: Path = TOPOLOGY_FILE, functions_file: Path | None = None, project_dir: Path | None = None
) -> Topology:
    """The validated topology; ``functions_file`` defaults to the functions.yaml beside ``topology_file``, else infra's."""
    topology_file = Path(topology_file)
    if functions_file is None:
        beside = topology_file.with_name("functions.yaml")
        functions_file = beside if beside.is_file() else PROJECT_DIR / "infra" / "functions.yaml"
    declared, settings = _read(topology_file), _read(Path(functions_file))
    for key in set(declared) & set(settings):
        raise TopologyError(f"{topology_file}: {key}: belongs in {functions_file} only")
    try:
        return Topology.model_validate(
            {**declared, **settings}, context={"project_dir": project_dir or topology_file.parent.parent}
        )
    except ValidationError as error:
        lines = [_line(e, topology_file, Path(functions_file)) for e in error.errors()]
        raise TopologyError("\n".join(lines)) from None


def document(topology: Topology) -> dict:
    """The normalized, fully defaulted JSON document Terraform decodes and every other reader reads."""
    return topology.model_dump(mode="json")


@cache
def default() -> Topology:
    """The project's own topology, loaded once per process."""
    return load()
