"""The joined module: references resolve, names agree with the topology, IAM is narrow, checkov passes."""

from __future__ import annotations

import json
import re
import subprocess

import hcl2
import pytest

from local_runtime import topology
from tests.infra.conftest import PROJECT

CHECKOV = PROJECT / ".venv-checkov" / "bin" / "checkov"
# Actions that support no resource narrower than "*" (AWS service authorization reference).
STAR_ONLY_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "dynamodb:ListStreams",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}


def _code(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def declarations(module_text: dict[str, str]) -> set[str]:
    """Every addressable name the module declares: aws_x.y, data.aws_x.y, var.x, local.x."""
    declared = set()
    for text in module_text.values():
        parsed = hcl2.loads(text)
        for block in parsed.get("resource", []):
            for type_, named in block.items():
                declared |= {f"{type_}.{name}" for name in named}
        for block in parsed.get("data", []):
            for type_, named in block.items():
                declared |= {f"data.{type_}.{name}" for name in named}
        for block in parsed.get("variable", []):
            declared |= {f"var.{name}" for name in block}
        for block in parsed.get("locals", []):
            declared |= {f"local.{name}" for name in block if not name.startswith("__")}
    return {d.replace('"', "") for d in declared}


REFERENCE = re.compile(r"(?<![\w.\"-])((?:data\.)?aws_[a-z0-9_]+\.[A-Za-z_][\w-]*|var\.\w+|local\.\w+)")


def unresolved(module_text: dict[str, str]) -> set[str]:
    declared = declarations(module_text)
    used = {m for text in module_text.values() for m in REFERENCE.findall(_code(text))}
    return {u for u in used if u not in declared}


def test_every_reference_resolves(module_text):
    assert unresolved(module_text) == set()


def test_reference_check_catches_a_dangling_reference(module_text):
    broken = {**module_text, "extra.tf": 'output "x" {\n  value = aws_sqs_queue.missing.arn\n}\n'}
    assert unresolved(broken) == {"aws_sqs_queue.missing"}


def test_functions_named_by_topology_are_in_chalices_export(module_text):
    functions = hcl2.loads(module_text["functions.tf"])["locals"][0]["chalice_function_names"]
    topo = topology.load()
    named = {t["function"] for r in topo["rules"].values() for t in r["targets"].values() if t["function"]}
    named.add(topo["pipe"]["enrichment"]["function"])
    for machine in topo.get("state_machines", {}).values():
        named |= set(machine["functions"])
        named.add(machine["trigger"]["function"])
    assert named <= set(functions)


def test_queues_read_by_consumers_are_declared(module_text):
    read = re.findall(r'event_source_arn\s+= aws_sqs_queue\.queue\["([\w-]+)"\]', module_text["chalice.tf"])
    assert read and set(read) <= set(topology.load()["queues"])


def test_names_follow_prefix_and_topology_key(module_text):
    """Overlay names are "<name_prefix>-<key>" (chalicelib/resource_names.py's rule)."""
    overlay = "".join(module_text[p.name] for p in (PROJECT / "infra").glob("*.tf"))
    names = re.findall(r'^\s+name\s+= "([^"]+)"', overlay, re.M)
    assert names
    for name in names:
        if name == "least-privilege":  # an inline role policy's name, local to its role
            continue
        assert name.startswith(("${local.prefix}-", "alias/${local.prefix}", "/aws/")), name


def test_overlay_reads_the_topology_it_declares_nothing_twice(module_text):
    assert 'jsondecode(file("${path.module}/topology.json"))' in module_text["main.tf"]
    assert "yamldecode" not in "".join(module_text.values())
    overlay = "".join(module_text[p.name] for p in (PROJECT / "infra").glob("*.tf"))
    topo = topology.load()
    # No queue, rule, pattern or retry value is spelled in the overlay: they come from the file.
    for key in [*topo["queues"], *topo["rules"], *topo["topics"]]:
        assert f'"{key}"' not in overlay, key
    assert "3600" not in overlay and "maximum_retry_attempts       = 3" not in overlay
    assert all(m["logging"]["level"] != "OFF" for m in topo["state_machines"].values())
    assert all(m["tracing"] for m in topo["state_machines"].values())


def _statements(module_text):
    """(actions, resource) for every IAM statement granting Resource "*" in our HCL."""
    found = []
    for name, text in module_text.items():
        code = _code(text)
        for match in re.finditer(r'"?Resource"?\s*=\s*"\*"', code):
            head = code[: match.start()]
            actions = head[head.rfind("Action") :]
            found.append((name, set(re.findall(r'"([a-z0-9]+:[A-Za-z*]+)"', actions))))
    return found


def test_no_star_resource_except_for_actions_that_admit_nothing_narrower(module_text):
    stars = _statements(module_text)
    assert stars, "the X-Ray and ListStreams grants should be found"
    for name, actions in stars:
        assert actions and actions <= STAR_ONLY_ACTIONS, (name, actions - STAR_ONLY_ACTIONS)
    # Key policies may only say "*" (meaning the key itself); no other policy document does.
    for name, text in module_text.items():
        if '["*"]' in _code(text):
            assert name == "kms.tf", name


@pytest.fixture(scope="session")
def checkov_report(module_dir) -> dict:
    result = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(module_dir),
            "--framework",
            "terraform",
            "terraform_json",
            "--skip-download",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stdout)
    return report if isinstance(report, dict) else {"results": {}, "summary": {"failed": 0, "passed": 0}}


def test_checkov_finds_no_failed_check(checkov_report):
    failed = [(c["check_id"], c["resource"]) for c in checkov_report["results"].get("failed_checks", [])]
    assert failed == []
    assert checkov_report["summary"]["passed"] > 100


def test_every_checkov_skip_gives_its_reason(checkov_report):
    skipped = checkov_report["results"].get("skipped_checks", [])
    assert skipped
    for check in skipped:
        reason = (check.get("check_result") or {}).get("suppress_comment", "")
        assert len(reason.strip(" :")) > 20, (check["check_id"], check["resource"], reason)


def test_checkov_fails_chalices_bare_export(tmp_path):
    """The scan is real: the uncorrected export (terraform block removed so checkov parses it) fails."""
    bare = subprocess.run(
        [
            str(PROJECT / ".venv" / "bin" / "chalice"),
            "--project-dir",
            str(PROJECT),
            "package",
            "--stage",
            "dev",
            "--pkg-format",
            "terraform",
            str(tmp_path / "bare"),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"},
    )
    assert bare.returncode == 0
    export = json.loads((tmp_path / "bare" / "chalice.tf.json").read_text())
    export.pop("terraform")
    (tmp_path / "bare" / "chalice.tf.json").write_text(json.dumps(export))
    result = subprocess.run(
        [
            str(CHECKOV),
            "-d",
            str(tmp_path / "bare"),
            "--framework",
            "terraform_json",
            "--skip-download",
            "-o",
            "json",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert json.loads(result.stdout)["summary"]["failed"] > 0


def test_workflow_runs_what_we_cannot_here():
    workflow = (PROJECT / ".github" / "workflows" / "terraform.yml").read_text()
    for step in [
        "terraform fmt -check",
        "terraform init -backend=false",
        "terraform validate",
        "checkov",
        "make test",
        "make package",
    ]:
        assert step in workflow, step
