"""``python -m infra.rehearsal``: rehearse a deploy of the built module against MiniStack; exit 1 if it fails."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra.build import PROJECT_DIR
from infra.rehearsal.run import Rehearsal
from infra.rehearsal.terraform import binary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0].strip("`"))
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--workdir", type=Path, default=PROJECT_DIR / "build" / "rehearsal")
    parser.add_argument("--apply-timeout", type=float, default=420, help="seconds (default 420)")
    args = parser.parse_args(argv)
    python = PROJECT_DIR / ".venv-rehearse" / "bin" / "python"
    if not python.exists():
        print(f"{python} is missing: `make rehearse` builds it from requirements-rehearse.txt", file=sys.stderr)
        return 2
    if not binary():
        print("terraform is not on PATH: the rehearsal applies the module with it", file=sys.stderr)
        return 2
    report = Rehearsal(PROJECT_DIR, args.stage, args.workdir.resolve(), python, args.apply_timeout).run()
    print("\n".join(report.lines()))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
