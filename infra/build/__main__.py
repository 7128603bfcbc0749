"""Usage: python -m infra.build [--stage dev] [--project-dir .] [--out build/terraform] [--backend s3]
[--architecture x86_64]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra.build import PROJECT_DIR, BuildError, build


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Builds the deployable Terraform root module (make package).")
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "build" / "terraform")
    parser.add_argument("--backend", choices=["s3"], help="keep state remotely (partial configuration)")
    parser.add_argument(
        "--architecture", choices=["arm64", "x86_64"], help="Lambda architecture (default: .chalice/config.json's)"
    )
    args = parser.parse_args(argv)
    try:
        build(
            args.project_dir.resolve(), args.stage, args.out.resolve(), backend=args.backend, architecture=args.architecture
        )
    except BuildError as error:
        print(f"build failed: {error}", file=sys.stderr)
        return 1
    print(f"Terraform module for stage {args.stage}: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
