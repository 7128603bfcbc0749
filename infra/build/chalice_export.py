"""Runs ``chalice package --pkg-format terraform`` and returns its export, for any Lambda architecture."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from infra.build.errors import BuildError


def chalice_package(project: Path, stage: str, out: Path) -> dict:
    """Runs ``chalice package`` and returns its parsed chalice.tf.json."""
    env = dict(os.environ)
    # chalice asks for a region but writes none into the export (it uses data.aws_region).
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    chalice = Path(sys.executable).with_name("chalice")
    cmd = [
        str(chalice),
        "--project-dir",
        str(project),
        "package",
        "--stage",
        stage,
        "--pkg-format",
        "terraform",
        str(out),
    ]
    # Chalice caches the built zip under .chalice/deployments/ and copies it out; two packages at once
    # (parallel tests, two terminals) would write and read that file together and copy a torn zip.
    cache = project / ".chalice" / "deployments"
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".package.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(f"chalice package failed:\n{result.stdout}\n{result.stderr}")
    return json.loads((out / "chalice.tf.json").read_text())


def project_for_architecture(project: Path, architecture: str, tmp: Path) -> Path:
    """A copy of the Chalice project whose config asks for ``architecture``.

    Chalice picks the wheels it packages by the config's ``lambda_architecture``; its CLI has no flag for it.
    """
    copy = tmp / "project"
    copy.mkdir()
    for name in ("app.py", "requirements.txt", "chalicelib", "vendor"):
        source = project / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.is_file():
            shutil.copy(source, copy / name)
    # Policy files and other settings stay; only the config's architecture changes.
    shutil.copytree(project / ".chalice", copy / ".chalice", ignore=shutil.ignore_patterns("deployments", "venv"))
    config = json.loads((project / ".chalice" / "config.json").read_text())
    config["lambda_architecture"] = architecture
    (copy / ".chalice" / "config.json").write_text(json.dumps(config, indent=2))
    return copy


def export(project: Path, stage: str, out: Path, architecture: str, tmp: Path) -> dict:
    """Chalice's export for ``stage`` built for ``architecture``; the zip is left in ``out``."""
    config = json.loads((project / ".chalice" / "config.json").read_text())
    packaged = project
    if architecture != config.get("lambda_architecture", "arm64"):
        packaged = project_for_architecture(project, architecture, tmp)
    return chalice_package(packaged, stage, out)
