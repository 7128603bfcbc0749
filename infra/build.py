"""Builds the deployable Terraform root module (``make package``).

Runs ``chalice package --pkg-format terraform``, corrects its export in an explicit
post-processing step, and joins it with the hand-written overlay (infra/*.tf), the topology
declaration and the state machine definitions into one directory:

    build/terraform/
      chalice.tf              Chalice's resources, corrected (written as HCL, see infra/hcl.py)
      functions.tf            per-function roles, least-privilege policies, state machines
      *.tf                    the overlay, copied from infra/
      topology.yaml           read by the overlay with yamldecode (the local runtime reads it too)
      state_machines/         ASL templates whose task resources Terraform fills with ARNs
      event_schemas/          the event catalog's JSON Schemas, registered by event_schemas.tf
      deployment.zip          the Lambda package Chalice built
      terraform.tfvars.json   stage and name_prefix from .chalice/config.json

Why post-processing rather than ``*_override.tf`` files: overrides are merged only by Terraform,
so checkov and our reference checks would see Chalice's uncorrected resources; Chalice's export
also has to be read anyway to learn which functions, queues and topics app.py defines.

Usage: python -m infra.build [--stage dev] [--project-dir .] [--out build/terraform] [--backend s3]
       [--architecture x86_64]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from infra import hcl
from infra.hcl import COMMENTS, Expr

INFRA_DIR = Path(__file__).resolve().parent
PROJECT_DIR = INFRA_DIR.parent
OVERLAY_FILES = sorted(p.name for p in INFRA_DIR.glob("*.tf"))

# Checkov skips written on every corrected Lambda function, with the reason (one line each).
FUNCTION_SKIPS = {
    "CKV_AWS_117": "no VPC: the functions reach only AWS APIs through IAM, and there is no private resource to reach",
    "CKV_AWS_272": "code signing needs an AWS Signer profile and a signed artifact; chalice package builds an unsigned zip",
}
SKIP_RESERVED = "CKV_AWS_115: reserved concurrency only where seed 002 asks (payments); reserving everywhere drains the account's unreserved pool"
SKIP_DLQ = (
    "CKV_AWS_116: invoked synchronously ({how}); a function DLQ only ever receives failed asynchronous invocations"
)


# `--backend s3`: state in S3, partially configured (seed 002's remote state); bucket, key and
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


class BuildError(Exception):
    """The app, the topology and infra/functions.yaml disagree; the message says how."""


def ref(text: str) -> str:
    """A Terraform interpolation inside a string value."""
    return "${" + text + "}"


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) or {}


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


class Module:
    """Chalice's export being corrected, plus what the build learns from it."""

    def __init__(
        self, export: dict, topology: dict, settings: dict, prefix: str, project: Path, architecture: str = "arm64"
    ) -> None:
        self.export = export
        self.topology = topology
        self.settings = settings
        self.prefix = prefix
        self.project = project
        self.architecture = architecture
        self.resources: dict = export.get("resource", {})
        self.functions: dict = self.resources.get("aws_lambda_function", {})
        self.async_invoked: set[str] = set()
        self.sync_sources: dict[str, list[str]] = {}
        self.extra_statements: dict[str, list[dict]] = {fn: [] for fn in self.functions}
        self.notes: list[str] = []

    # --- names the export spells as strings --------------------------------------------

    def _logical(self, physical: str, section: str) -> str:
        """The topology key of ``physical`` (``<prefix>-<key>``) in ``section``, or an error."""
        key = physical.removeprefix(f"{self.prefix}-")
        if physical == key or key not in (self.topology.get(section) or {}):
            raise BuildError(
                f"{physical!r} is not '{self.prefix}-<name>' for a {section[:-1]} declared in infra/topology.yaml"
            )
        return key

    def _function_of(self, reference: str) -> str:
        match = re.fullmatch(r"\$\{aws_lambda_function\.([\w-]+)\.arn\}", reference)
        if not match:
            raise BuildError(f"unexpected function reference {reference!r} in chalice's export")
        return match.group(1)

    def _uses(self, fn: str, how: str) -> None:
        self.sync_sources.setdefault(fn, []).append(how)

    # --- corrections --------------------------------------------------------------------

    def correct(self) -> None:
        # Chalice pins Terraform < 1.4 and AWS provider < 5 without sources; versions.tf in the
        # overlay declares what the module needs. null_data_source is deprecated and unused.
        self.export.pop("terraform", None)
        data = self.export.get("data", {})
        data.pop("null_data_source", None)
        # Chalice's one shared role gets a generated "Resource: *" policy; functions.tf gives each
        # function its own role instead.
        self.resources.pop("aws_iam_role", None)
        self.resources.pop("aws_iam_role_policy", None)
        self._event_source_mappings()
        self._sns_subscriptions()
        self._schedules()
        self._rest_api()
        self._rule_targets()
        self._functions()

    def _event_source_mappings(self) -> None:
        for mapping in self.resources.get("aws_lambda_event_source_mapping", {}).values():
            fn = self._function_of(mapping["function_name"])
            arn = mapping["event_source_arn"]
            if ":sqs:" in arn:
                queue = self._logical(arn.rsplit(":", 1)[1], "queues")
                mapping["event_source_arn"] = ref(f'aws_sqs_queue.queue["{queue}"].arn')
                # The consumers return {"batchItemFailures": [...]}; without this Lambda ignores it
                # and retries the whole batch.
                mapping["function_response_types"] = ["ReportBatchItemFailures"]
                self._uses(fn, "SQS")
                self.extra_statements[fn].append(
                    {
                        "Sid": "ConsumeQueue",
                        "Effect": "Allow",
                        "Action": [
                            "sqs:ReceiveMessage",
                            "sqs:DeleteMessage",
                            "sqs:ChangeMessageVisibility",
                            "sqs:GetQueueAttributes",
                        ],
                        "Resource": mapping["event_source_arn"],
                    }
                )
            elif ":dynamodb:" in arn:
                table = self._stream_table(arn)
                # app.py holds a placeholder unless ORDERS_STREAM_ARN is set: the real ARN only
                # exists once the table does, so Terraform wires it.
                mapping["event_source_arn"] = ref(f'aws_dynamodb_table.table["{table}"].stream_arn')
                # Seed 001: a poison record is retried a few times, the batch halved to find it, and
                # it ends on a queue instead of blocking the shard until it expires.
                options = dict((self.topology.get("stream_mappings") or {}).get(fn) or {})
                dlq = options.pop("on_failure", None)
                if not dlq:
                    raise BuildError(
                        f"{fn} reads a stream but infra/topology.yaml stream_mappings gives it no on_failure queue"
                    )
                self._queue(dlq)
                mapping.update(options)
                mapping["destination_config"] = {
                    "on_failure": {"destination_arn": ref(f'aws_sqs_queue.queue["{dlq}"].arn')}
                }
                self._uses(fn, "DynamoDB stream")
                self.extra_statements[fn] += [
                    {
                        "Sid": "ReadStream",
                        "Effect": "Allow",
                        "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                        "Resource": mapping["event_source_arn"],
                    },
                    {
                        # dynamodb:ListStreams supports no resource-level permission.
                        "Sid": "ListStreams",
                        "Effect": "Allow",
                        "Action": ["dynamodb:ListStreams"],
                        "Resource": "*",
                    },
                    {
                        "Sid": "StreamFailures",
                        "Effect": "Allow",
                        "Action": ["sqs:SendMessage"],
                        "Resource": ref(f'aws_sqs_queue.queue["{dlq}"].arn'),
                    },
                ]
            else:
                raise BuildError(f"event source {arn!r} of {fn} is neither SQS nor a DynamoDB stream")

    def _stream_table(self, arn: str) -> str:
        """The streamed table a stream mapping means: named in the ARN, or the only one declared."""
        streamed = [k for k, t in (self.topology.get("tables") or {}).items() if t.get("stream_view_type")]
        match = re.search(r":table/([^/]+)/stream/", arn)
        if match and match.group(1).removeprefix(f"{self.prefix}-") in streamed:
            return match.group(1).removeprefix(f"{self.prefix}-")
        if len(streamed) == 1:
            return streamed[0]
        raise BuildError(f"cannot tell which declared table the stream {arn!r} belongs to")

    def _sns_subscriptions(self) -> None:
        for name, sub in self.resources.get("aws_sns_topic_subscription", {}).items():
            topic = self._logical(sub["topic_arn"].rsplit(":", 1)[1], "topics")
            sub["topic_arn"] = ref(f'aws_sns_topic.topic["{topic}"].arn')
            fn = self._function_of(sub["endpoint"])
            self.async_invoked.add(fn)
            permission = self.resources.get("aws_lambda_permission", {}).get(name)
            if permission:
                permission["source_arn"] = sub["topic_arn"]

    def _schedules(self) -> None:
        for rule in self.resources.get("aws_cloudwatch_event_rule", {}).values():
            # Chalice names the rule "<function>-event" in every stage; two stages in one account
            # would collide.
            rule["name"] = f"{ref('var.name_prefix')}-{rule['name']}"
        for target in self.resources.get("aws_cloudwatch_event_target", {}).values():
            self.async_invoked.add(self._function_of(target["arn"]))
            # Like every bus rule target (seed 003): the topology's retry policy and DLQ.
            target["retry_policy"] = {
                "maximum_event_age_in_seconds": Expr("local.target_defaults.retry_policy.maximum_event_age_seconds"),
                "maximum_retry_attempts": Expr("local.target_defaults.retry_policy.maximum_retry_attempts"),
            }
            target["dead_letter_config"] = {
                "arn": ref("aws_sqs_queue.queue[local.target_defaults.dead_letter_queue].arn")
            }

    def schedule_rules(self) -> list[str]:
        return list(self.resources.get("aws_cloudwatch_event_rule", {}))

    def _rest_api(self) -> None:
        for api in self.resources.get("aws_api_gateway_rest_api", {}).values():
            api["name"] = ref("var.name_prefix")
            # Redeploying replaces the API's deployment first, so it never has none (CKV_AWS_237).
            api["lifecycle"] = {"create_before_destroy": True}
        # The deployment's stage_name and invoke_url are deprecated: aws_api_gateway_stage.api
        # (infra/api.tf) is the stage, named as Chalice names it.
        for deployment in self.resources.get("aws_api_gateway_deployment", {}).values():
            self.export.setdefault("locals", {})["chalice_api_stage_name"] = deployment.pop("stage_name")
            # A changed API replaces the deployment (what Chalice's stage_description did).
            deployment.pop("stage_description", None)
            # Gateway responses (infra/api_errors.tf) reach callers only through a deployment made
            # after them: wait for them, and redeploy when they change.
            deployment["depends_on"] = [Expr("aws_api_gateway_gateway_response.api_error")]
            deployment["triggers"] = {
                "redeployment": ref("md5(local.chalice_api_swagger)"),
                "gateway_responses": Expr("sha1(jsonencode(local.api_error_responses))"),
            }
        for output in self.export.get("output", {}).values():
            output["value"] = output["value"].replace(
                "aws_api_gateway_deployment.rest_api.invoke_url", "aws_api_gateway_stage.api.invoke_url"
            )
        for permission in self.resources.get("aws_lambda_permission", {}).values():
            if permission["principal"] == "apigateway.amazonaws.com":
                self._uses(self._function_of(permission["function_name"]), "API Gateway")

    def _rule_targets(self) -> None:
        """Functions the bus rules, the pipe and the state machines name must be in the export."""
        for rule_name, rule in (self.topology.get("rules") or {}).items():
            for target in (rule.get("targets") or {}).values():
                if "function" in target:
                    self._require_function(target["function"], f"rule {rule_name}")
                    self.async_invoked.add(target["function"])
                elif "topic" in target and target["topic"] not in (self.topology.get("topics") or {}):
                    raise BuildError(f"rule {rule_name} targets undeclared topic {target['topic']!r}")
        pipe = self.topology.get("pipe")
        if pipe and pipe.get("enrichment"):
            self._require_function(pipe["enrichment"]["function"], "the pipe's enrichment")
            self._uses(pipe["enrichment"]["function"], "the pipe's enrichment")
        for name, machine in (self.topology.get("state_machines") or {}).items():
            for fn in machine.get("functions") or []:
                self._require_function(fn, f"state machine {name}")
                self._uses(fn, "Step Functions")
            trigger = (machine.get("trigger") or {}).get("function")
            if trigger:
                self._require_function(trigger, f"state machine {name}'s trigger")
                if name in self.state_machines():
                    self.extra_statements[trigger].append(
                        {
                            "Sid": "StartWorkflow",
                            "Effect": "Allow",
                            "Action": ["states:StartExecution"],
                            "Resource": ref(f'aws_sfn_state_machine.machine["{name}"].arn'),
                        }
                    )

    def _require_function(self, fn: str, user: str) -> None:
        if fn not in self.functions:
            raise BuildError(f"{user} names function {fn!r}, which app.py does not define")

    def _fn_settings(self, fn: str) -> dict:
        return (self.settings.get("functions") or {}).get(fn) or {}

    def _queue(self, name: str) -> None:
        if name not in (self.topology.get("queues") or {}):
            raise BuildError(f"queue {name!r} is not declared in infra/topology.yaml")

    def _functions(self) -> None:
        async_dlq = self.settings.get("async_dead_letter_queue")
        for fn, spec in self.functions.items():
            comments = [f"checkov:skip={check}:{reason}" for check, reason in FUNCTION_SKIPS.items()]
            spec["role"] = ref(f"aws_iam_role.{fn}.arn")
            spec["architectures"] = [self.architecture]
            # Lambda encrypts the environment with our key instead of the AWS managed one.
            spec["kms_key_arn"] = ref("aws_kms_key.main.arn")
            spec["tracing_config"] = {"mode": Expr('var.tracing_enabled ? "Active" : "PassThrough"')}
            # The log group is created by Terraform (30 days, KMS) before the function first logs.
            spec["logging_config"] = {
                "log_format": "Text",
                "log_group": ref(f'aws_cloudwatch_log_group.function["{fn}"].name'),
            }
            variables = spec.setdefault("environment", {}).setdefault("variables", {})
            # Lambda's resource names and Terraform's come from the same variable.
            variables["RESOURCE_PREFIX"] = ref("var.name_prefix")
            if "reserved_concurrent_executions" not in spec:
                comments.append(f"checkov:skip={SKIP_RESERVED}")
            if fn in self.async_invoked:
                self._queue(async_dlq)
                spec["dead_letter_config"] = {"target_arn": ref(f'aws_sqs_queue.queue["{async_dlq}"].arn')}
                self.extra_statements[fn].append(
                    {
                        "Sid": "AsyncFailures",
                        "Effect": "Allow",
                        "Action": ["sqs:SendMessage"],
                        "Resource": spec["dead_letter_config"]["target_arn"],
                    }
                )
            else:
                how = ", ".join(sorted(set(self.sync_sources.get(fn, [])))) or "only by direct Invoke"
                comments.append(f"checkov:skip={SKIP_DLQ.format(how=how)}")
            spec[COMMENTS] = comments

    # --- generated resources ------------------------------------------------------------

    def _resource_arn(self, logical: str, fn: str) -> str | None:
        kind, _, name = logical.partition(":")
        sections = {
            "table": "tables",
            "index": "tables",
            "topic": "topics",
            "queue": "queues",
            "state_machine": "state_machines",
        }
        if kind == "bus":
            if name != (self.topology.get("event_bus") or {}).get("name"):
                raise BuildError(f"{fn}: bus {name!r} is not the declared event bus")
            return ref("aws_cloudwatch_event_bus.bus.arn")
        if kind not in sections or name not in (self.topology.get(sections[kind]) or {}):
            raise BuildError(f"{fn}: {logical!r} names nothing declared in infra/topology.yaml")
        if kind == "table":
            return ref(f'aws_dynamodb_table.table["{name}"].arn')
        if kind == "index":
            return ref(f'aws_dynamodb_table.table["{name}"].arn') + "/index/*"
        if kind == "topic":
            return ref(f'aws_sns_topic.topic["{name}"].arn')
        if kind == "queue":
            return ref(f'aws_sqs_queue.queue["{name}"].arn')
        if name not in self.state_machines():
            self.notes.append(f"{fn}: state machine {name} has no definition yet; its permission is left out")
            return None
        return ref(f'aws_sfn_state_machine.machine["{name}"].arn')

    def state_machines(self) -> dict[str, Path]:
        """Declared state machines whose ASL file exists (it may land after the topology)."""
        found = {}
        for name, machine in (self.topology.get("state_machines") or {}).items():
            path = self.project / machine["definition"]
            if path.is_file():
                found[name] = path
        return found

    def policy(self, fn: str) -> dict:
        statements = [
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": ref(f'aws_cloudwatch_log_group.function["{fn}"].arn') + ":*",
            },
            {
                # X-Ray's trace APIs support no resource-level permission.
                "Sid": "Tracing",
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            },
            {
                # Environment variables, tables, queues and topics are all encrypted with this key.
                "Sid": "Key",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": ref("aws_kms_key.main.arn"),
            },
            *self.extra_statements[fn],
        ]
        for i, grant in enumerate(self._fn_settings(fn).get("permissions") or []):
            resources = [r for r in (self._resource_arn(x, fn) for x in grant["resources"]) if r]
            if resources:
                statements.append(
                    {"Sid": f"Declared{i}", "Effect": "Allow", "Action": grant["actions"], "Resource": resources}
                )
        return {"Version": "2012-10-17", "Statement": statements}

    def functions_tf(self) -> str:
        out = [
            "# Generated by infra/build.py from Chalice's export and infra/functions.yaml. Do not edit.\n",
            hcl.block(
                "locals",
                [],
                {
                    # Literal names, so log groups can be keyed by them without depending on the
                    # functions that name those log groups.
                    "chalice_function_names": {fn: spec["function_name"] for fn, spec in self.functions.items()},
                    # The events DLQ admits Chalice's schedule rules beside the topology's rules.
                    "chalice_schedule_rule_arns": {
                        name: Expr(f"aws_cloudwatch_event_rule.{name}.arn") for name in self.schedule_rules()
                    },
                    "chalice_functions": {
                        fn: Expr(
                            "{\n"
                            f"      arn           = aws_lambda_function.{fn}.arn\n"
                            f"      function_name = aws_lambda_function.{fn}.function_name\n"
                            "    }"
                        )
                        for fn in self.functions
                    },
                },
            ),
        ]
        assume = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        for fn, spec in self.functions.items():
            name = spec["function_name"] if fn != "api_handler" else f"{spec['function_name']}-api_handler"
            out.append(
                hcl.block(
                    "resource",
                    ["aws_iam_role", fn],
                    {"name": name, "assume_role_policy": Expr(f"jsonencode({hcl.value(assume, 1)})")},
                )
            )
            out.append(
                hcl.block(
                    "resource",
                    ["aws_iam_role_policy", fn],
                    {
                        "name": "least-privilege",
                        "role": Expr(f"aws_iam_role.{fn}.id"),
                        "policy": Expr(f"jsonencode({hcl.value(self.policy(fn), 1)})"),
                    },
                )
            )
        return "\n".join(out)

    def chalice_tf(self) -> str:
        out = ["# Generated by infra/build.py: Chalice's export, corrected. Do not edit.\n"]
        for kind in ("locals",):
            if self.export.get(kind):
                out.append(hcl.block(kind, [], self.export[kind]))
        for kind in ("data", "resource"):
            for type_, items in self.export.get(kind, {}).items():
                for name, attrs in items.items():
                    out.append(hcl.block(kind, [type_, name], attrs))
        for name, attrs in self.export.get("output", {}).items():
            out.append(hcl.block("output", [name], attrs))
        return "\n".join(out)


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
    topology = load_yaml(project / "infra" / "topology.yaml")
    settings = load_yaml(project / "infra" / "functions.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        packaged = project
        if architecture != config.get("lambda_architecture", "arm64"):
            packaged = project_for_architecture(project, architecture, Path(tmp))
        export = chalice_package(packaged, stage, Path(tmp) / "chalice")
        module = Module(export, topology, settings, prefix, project, architecture)
        module.correct()
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        shutil.copy(Path(tmp) / "chalice" / "deployment.zip", out / "deployment.zip")
    for name in sorted(p.name for p in (project / "infra").glob("*.tf")):
        shutil.copy(project / "infra" / name, out / name)
    shutil.copy(project / "infra" / "topology.yaml", out / "topology.yaml")
    # The event catalog's schemas, which event_schemas.tf registers (python -m infra.catalog_schemas).
    shutil.copytree(project / "infra" / "event_schemas", out / "event_schemas")
    (out / "chalice.tf").write_text(module.chalice_tf())
    (out / "functions.tf").write_text(module.functions_tf())
    # The ASL files are templatefile() templates (see state_machines in topology.yaml), copied to
    # the same relative path the topology gives; states.tf creates a machine only if its file is there.
    for path in module.state_machines().values():
        target = out / path.relative_to(project)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    if backend == "s3":
        (out / "backend.tf").write_text(S3_BACKEND)
        (out / "backend.hcl.example").write_text(S3_BACKEND_EXAMPLE.format(prefix=prefix))
    tfvars = {"stage": stage, "name_prefix": prefix}
    (out / "terraform.tfvars.json").write_text(json.dumps(tfvars, indent=2) + "\n")
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "build" / "terraform")
    parser.add_argument("--backend", choices=["s3"], help="keep state remotely (partial configuration)")
    parser.add_argument(
        "--architecture", choices=["arm64", "x86_64"], help="Lambda architecture (default: .chalice/config.json's)"
    )
    args = parser.parse_args(argv)
    try:
        module = build(
            args.project_dir.resolve(),
            args.stage,
            args.out.resolve(),
            backend=args.backend,
            architecture=args.architecture,
        )
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    for note in dict.fromkeys(module.notes):
        print(f"note: {note}", file=sys.stderr)
    print(f"Terraform module for stage {args.stage}: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
