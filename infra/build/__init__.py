"""Builds the deployable Terraform root module (``make package``): assembly of the passes below.

    chalice_export   runs `chalice package --pkg-format terraform`
    corrections      corrects the export (pure), returning what it learned about the app
    iam              every role and least-privilege policy (functions, state machines, pipe)
    checkov_skips    the checks each function skips, with the reason
    emit             the generated HCL files

into one directory:

    build/terraform/
      chalice.tf              Chalice's resources, corrected (written as HCL, see infra/hcl.py)
      functions.tf            locals through which the overlay reaches Chalice's functions
      iam.tf                  every role with its least-privilege policy
      *.tf                    the overlay, copied from infra/
      topology.json           the normalized topology, read by the overlay with jsondecode
      state_machines/         ASL templates whose task resources Terraform fills with ARNs
      event_schemas/          the event catalog's JSON Schemas, registered by event_schemas.tf
      deployment.zip          the Lambda package Chalice built
      terraform.tfvars.json   stage and name_prefix from .chalice/config.json
      openapi.json            the API's OpenAPI 3.1 document (infra/api_spec.py)

Why post-processing rather than ``*_override.tf`` files: overrides are merged only by Terraform,
so checkov and our reference checks would see Chalice's uncorrected resources; Chalice's export
also has to be read anyway to learn which functions, queues and topics app.py defines.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import topology
from infra import api_spec
from infra.build import chalice_export, checkov_skips, emit, iam
from infra.build.corrections import Learned, correct
from infra.build.errors import BuildError
from topology import catalog_check

INFRA_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = INFRA_DIR.parent

# `--backend s3`: state in S3, partially configured; bucket, key and
# region come at init. use_lockfile is S3's native state lock (Terraform >= 1.10).
S3_BACKEND = """# Remote state (make package BACKEND=s3). Give the rest at init:
#   terraform init -backend-config=backend.hcl   (see backend.hcl.example)
terraform {
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}
"""
S3_BACKEND_EXAMPLE = """# Copy to backend.hcl and fill in; then: terraform init -backend-config=backend.hcl
bucket = "YOUR-STATE-BUCKET"
key    = "{prefix}/terraform.tfstate"
region = "us-east-1"
# kms_key_id = "arn:aws:kms:..."   # a key of your own for the state object, else SSE-S3
"""

__all__ = ["PROJECT_DIR", "BuildError", "Module", "build"]


@dataclass(frozen=True)
class Module:
    """What a build made: the stage's prefix, the topology it read, the corrected export and what it learned."""

    prefix: str
    topology: topology.Topology
    export: dict
    learned: Learned

    @property
    def functions(self) -> dict[str, str]:
        """Chalice name -> Lambda function name."""
        return self.learned.function_names

    def policy(self, fn: str) -> dict:
        return iam.function_policy(fn, self.learned, self.topology)


def load_topology(project: Path) -> topology.Topology:
    topology_file = project / "infra" / "topology.yaml"
    try:
        declared = topology.load(topology_file, project_dir=project)
        catalog_check.check(declared, topology_file)
        return declared
    except topology.TopologyError as error:
        raise BuildError(f"bad topology: {error}") from None


def build(
    project: Path, stage: str, out: Path, *, backend: str | None = None, architecture: str | None = None
) -> Module:
    """``architecture`` (arm64, x86_64) overrides the config's, e.g. to run the functions on this host."""
    config = json.loads((project / ".chalice" / "config.json").read_text())
    architecture = architecture or config.get("lambda_architecture", "arm64")
    try:
        prefix = config["stages"][stage]["environment_variables"]["RESOURCE_PREFIX"]
    except KeyError as exc:
        raise BuildError(f"stage {stage!r} has no RESOURCE_PREFIX in .chalice/config.json") from exc
    declared = load_topology(project)
    with tempfile.TemporaryDirectory() as tmp:
        packaged = Path(tmp) / "chalice"
        corrected = correct(
            chalice_export.export(project, stage, packaged, architecture, Path(tmp)), declared, prefix, architecture
        )
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        shutil.copy(packaged / "deployment.zip", out / "deployment.zip")
    for name in sorted(p.name for p in (project / "infra").glob("*.tf")):
        shutil.copy(project / "infra" / name, out / name)
    (out / "topology.json").write_text(json.dumps(topology.document(declared), indent=2) + "\n")
    learned = corrected.learned
    (out / "chalice.tf").write_text(emit.chalice_tf(corrected.export, checkov_skips.function_skips(learned)))
    (out / "functions.tf").write_text(emit.functions_tf(learned))
    (out / "iam.tf").write_text(iam.iam_tf(learned, declared))
    # The ASL files are templatefile() templates, copied to the relative path the topology gives.
    for machine in declared.state_machines.values():
        target = out / machine.definition
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(project / machine.definition, target)
    # The event catalog's schemas, which event_schemas.tf registers (python -m infra.catalog_schemas).
    shutil.copytree(project / "infra" / "event_schemas", out / "event_schemas")
    if backend == "s3":
        (out / "backend.tf").write_text(S3_BACKEND)
        (out / "backend.hcl.example").write_text(S3_BACKEND_EXAMPLE.format(prefix=prefix))
    api_spec.write_spec(out)
    tfvars = {"stage": stage, "name_prefix": prefix}
    (out / "terraform.tfvars.json").write_text(json.dumps(tfvars, indent=2) + "\n")
    return Module(prefix, declared, corrected.export, learned)
