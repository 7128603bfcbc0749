"""The embedded AWS's own process: moto's server, with the corrections the local stack needs.

`emulator.EmbeddedAws` runs this module as its child. Each module in
`local_runtime/emulator_patches/` changes one service's behaviour where moto differs from
AWS in a way the local stack must not; each is installed before the server starts.
"""

from __future__ import annotations

import logging
import sys

from moto import server

from local_runtime.emulator_patches import install_all


def main(argv: list[str] | None = None) -> None:
    # The patches' own lines (state restored, saved) reach the stack's console; werkzeug's access log does not.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)-8s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    install_all()
    server.main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
