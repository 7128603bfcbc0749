"""The embedded AWS's own process: moto's server, with the corrections the local stack needs.

`emulator.EmbeddedAws` runs this module as its child. Each module in
`local_runtime/emulator_patches/` changes one service's behaviour where moto differs from
AWS in a way the local stack must not; each is installed before the server starts.
"""

from __future__ import annotations

import sys

from moto import server

from local_runtime.emulator_patches import install_all


def main(argv: list[str] | None = None) -> None:
    install_all()
    server.main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
