"""`python -m topology [FILE]`: check a topology and print its normalized JSON, or one line per problem."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from topology.loader import TOPOLOGY_FILE, TopologyError, document, load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=TOPOLOGY_FILE)
    args = parser.parse_args(argv)
    try:
        print(json.dumps(document(load(args.file)), indent=2))
    except TopologyError as error:
        print(f"bad topology: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
