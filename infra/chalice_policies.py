"""Writes the least-privilege policy of every function for `chalice deploy` users.

The Terraform module's per-function policies (infra/build/iam.py, from the topology's `functions` and the
functions' event sources) name resources by Terraform reference; here the same statements name
them by ARN pattern, which Chalice takes as is. Region and account are "*" (the policy files are
committed, one set per stage); names carry the stage's prefix, so a stage reaches only its own.
Writes `.chalice/policy-<stage>-<function>.json` and, in `.chalice/config.json`, turns
`autogen_policy` off with an `iam_policy_file` per function for each deployable stage.

Usage: python -m infra.chalice_policies [--check]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

from infra import build

# Stages Chalice deploys to AWS; "local" never leaves the machine.
DEPLOY_STAGES = ("dev", "prod")
ANY = "*"  # region and account: unknown until deploy


def policy_file(stage: str, fn: str) -> str:
    return f"policy-{stage}-{fn}.json"


class Resolver:
    """Turns the build's Terraform references into ARN patterns of the stage's resources."""

    def __init__(self, module: build.Module) -> None:
        self.prefix = module.prefix
        self.bus = f"{module.prefix}-{module.topology.event_bus.name}"
        self.function_names = dict(module.functions)

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{ANY}:{ANY}:{resource}"

    def reference(self, expression: str) -> str:
        p = self.prefix
        patterns = [
            (r'aws_dynamodb_table\.table\["([\w-]+)"\]\.stream_arn', "dynamodb", lambda k: f"table/{p}-{k}/stream/*"),
            (r'aws_dynamodb_table\.table\["([\w-]+)"\]\.arn', "dynamodb", lambda k: f"table/{p}-{k}"),
            (r'aws_sqs_queue\.queue\["([\w-]+)"\]\.arn', "sqs", lambda k: f"{p}-{k}"),
            (r'aws_sns_topic\.topic\["([\w-]+)"\]\.arn', "sns", lambda k: f"{p}-{k}"),
            (r'aws_sfn_state_machine\.machine\["([\w-]+)"\]\.arn', "states", lambda k: f"stateMachine:{p}-{k}"),
            (
                r'aws_cloudwatch_log_group\.function\["([\w-]+)"\]\.arn',
                "logs",
                lambda k: f"log-group:/aws/lambda/{self.function_names[k]}",
            ),
            (r"aws_cloudwatch_event_bus\.bus\.arn", "events", lambda: f"event-bus/{self.bus}"),
        ]
        for pattern, service, resource in patterns:
            match = re.fullmatch(pattern, expression)
            if match:
                return self.arn(service, resource(*match.groups()))
        raise build.BuildError(f"no ARN pattern for {expression!r}; teach infra/chalice_policies.py")

    def value(self, text: str) -> str:
        return re.sub(r"\$\{([^}]+)\}", lambda m: self.reference(m.group(1)), text)

    def statement(self, statement: dict) -> dict:
        resources = statement["Resource"]
        out = dict(statement)
        if resources == "${aws_kms_key.main.arn}":
            # The key exists only in the Terraform overlay, under a random id: its alias names it.
            out["Resource"] = self.arn("kms", "key/*")
            out["Condition"] = {"ForAnyValue:StringEquals": {"kms:ResourceAliases": f"alias/{self.prefix}"}}
            return out
        if isinstance(resources, list):
            out["Resource"] = [self.value(r) for r in resources]
        else:
            out["Resource"] = self.value(resources)
        return out


def policies(project: Path, stage: str) -> dict[str, dict]:
    """Function -> its policy document for ``stage``, from the same build `make package` runs."""
    with tempfile.TemporaryDirectory() as tmp:
        module = build.build(project, stage, Path(tmp) / "module")
    resolver = Resolver(module)
    return {
        fn: {
            "Version": "2012-10-17",
            "Statement": [resolver.statement(s) for s in module.policy(fn)["Statement"]],
        }
        for fn in module.functions
    }


def fallback(stage_prefix: str) -> dict:
    """Chalice's policy-<stage>.json, used by a function with no file of its own yet: logging only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:aws:logs:{ANY}:{ANY}:log-group:/aws/lambda/{stage_prefix}-*:*",
            }
        ],
    }


def configured(config: dict, stage: str, functions: list[str]) -> dict:
    """``config`` with Chalice's generated policy off and one policy file per function for ``stage``."""
    stage_config = config["stages"][stage]
    stage_config["autogen_policy"] = False
    per_function = stage_config.setdefault("lambda_functions", {})
    for fn in functions:
        per_function.setdefault(fn, {})["iam_policy_file"] = policy_file(stage, fn)
    return config


def write(project: Path, check: bool = False) -> list[str]:
    """Writes (or with ``check``, compares) the files; returns those that were out of date."""
    chalice_dir = project / ".chalice"
    config_path = chalice_dir / "config.json"
    config = json.loads(config_path.read_text())
    wanted: dict[Path, str] = {}
    for stage in DEPLOY_STAGES:
        docs = policies(project, stage)
        for fn, doc in docs.items():
            wanted[chalice_dir / policy_file(stage, fn)] = json.dumps(doc, indent=2) + "\n"
        prefix = config["stages"][stage]["environment_variables"]["RESOURCE_PREFIX"]
        wanted[chalice_dir / f"policy-{stage}.json"] = json.dumps(fallback(prefix), indent=2) + "\n"
        config = configured(config, stage, sorted(docs))
    wanted[config_path] = json.dumps(config, indent=2) + "\n"
    stale = [str(p.relative_to(project)) for p, text in wanted.items() if not p.exists() or p.read_text() != text]
    if not check:
        for path, text in wanted.items():
            path.write_text(text)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    parser.add_argument("--project-dir", type=Path, default=build.PROJECT_DIR)
    args = parser.parse_args(argv)
    stale = write(args.project_dir.resolve(), check=args.check)
    for name in stale:
        print(f"{'out of date' if args.check else 'wrote'}: {name}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
