"""The README's "add a consumer" recipe, followed in a copy of the project: three edits, the rest follows.

The copy gets the README's blocks (the rule and grants in the topology, the decorator in app.py, the
handler module, and the handler's test) and its one regeneration command, nothing else. Then, side by
side: the Terraform module built from the copy and planned; the copy's own tests (the handler's, the
policy files, the catalog check, least privilege for the new function); the copy's local stack
started, an event put on its bus, and the handler's write read back.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from moto.server import ThreadedMotoServer

from tests.handlers.event_shapes import order_event_detail
from tests.infra import terraform
from tests.integration.stack import PROJECT_DIR, RunningStack, eventually, free_port

pytestmark = pytest.mark.stack

FUNCTION, RULE, TARGET = "cancellation_audit", "order-cancelled-audit", "audit"
HANDLER, HANDLER_TEST = f"chalicelib/analytics/{FUNCTION}.py", f"tests/handlers/test_{FUNCTION}.py"
# Never copied: virtualenvs, build output, caches, local state, git (the top-level ones only: infra/build is code).
TOP_LEVEL = {".git", "build", ".pytest_cache", ".ruff_cache", ".local-state"}


def ignored(directory: str, names: list[str]) -> set[str]:
    top = Path(directory) == PROJECT_DIR
    return {n for n in names if n == "__pycache__" or n.startswith(".venv") or (top and n in TOP_LEVEL)} | (
        {"deployments"} if Path(directory).name == ".chalice" else set()
    )


def recipe_blocks() -> dict[str, str]:
    """The README's recipe: "# file: <path> (...)" heading each fenced block -> the block's text."""
    readme = (PROJECT_DIR / "README.md").read_text()
    section = readme.split("### Add a consumer", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:yaml|python)\n# file: (\S+)[^\n]*\n(.*?)```", section, re.S)
    return dict(blocks)


def follow_recipe(copy: Path) -> None:
    blocks = recipe_blocks()
    assert set(blocks) == {"infra/topology.yaml", "app.py", HANDLER, HANDLER_TEST}, blocks.keys()
    declared = yaml.safe_load((copy / "infra" / "topology.yaml").read_text())
    for section, entries in yaml.safe_load(blocks["infra/topology.yaml"]).items():
        declared[section] = {**declared[section], **entries}
    (copy / "infra" / "topology.yaml").write_text(yaml.safe_dump(declared, sort_keys=False))
    with (copy / "app.py").open("a") as app:
        app.write("\n\n" + blocks["app.py"])
    for path in (HANDLER, HANDLER_TEST):
        (copy / path).write_text(blocks[path])
    # The recipe's one command: the `chalice deploy` policy files follow the topology.
    subprocess.run([sys.executable, "-m", "infra.chalice_policies"], cwd=copy, check=True, capture_output=True)


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("recipe") / "project"
    shutil.copytree(PROJECT_DIR, target, ignore=ignored)
    follow_recipe(target)
    return target


def test_three_edits_give_iam_log_group_alarms_target_permission_least_privilege_and_local_delivery(copy):
    module = copy / "build" / "terraform"
    built = subprocess.Popen(
        [sys.executable, "-m", "infra.build", "--stage", "dev", "--out", str(module)],
        cwd=copy,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    own_tests = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rA",
            HANDLER_TEST,
            "tests/infra/test_chalice_policies.py",
            "tests/unit/test_event_catalog.py",
        ],
        cwd=copy,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    least_privilege = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/infra/test_least_privilege.py",
            "-k",
            FUNCTION,
        ],
        cwd=copy,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    # Local delivery: the copy's stack runs the new rule's target; an event on its bus reaches the handler.
    stack = RunningStack(project_dir=copy)
    try:
        stack.wait_ready(timeout=120)
        events = stack.client("events")
        entry = order_event_detail("o-recipe", status="CANCELLED")
        answer = events.put_events(
            Entries=[
                {
                    "Source": "app.orders",
                    "DetailType": "OrderCancelled",
                    "Detail": json.dumps(entry),
                    "EventBusName": "orders-platform-local-orders",
                }
            ]
        )
        assert answer["FailedEntryCount"] == 0
        dynamodb = stack.client("dynamodb")

        def audited():
            key = {"pk": {"S": "audit#cancelled"}, "sk": {"S": "o-recipe"}}
            return dynamodb.get_item(TableName="orders-platform-local-read-models", Key=key).get("Item")

        assert "cancelledAt" in eventually(audited, timeout=30)
        # The trace line follows the handler's return, so it may come just after the item.
        eventually(lambda: f"rule:{RULE}/{TARGET}" in stack.output() and FUNCTION in stack.output())
    finally:
        stack.stop()

    output, _ = built.communicate(timeout=300)
    assert built.returncode == 0, output
    iam = (module / "iam.tf").read_text()
    role = re.search(rf'resource "aws_iam_role_policy" "{FUNCTION}" \{{(.*?)\n\}}', iam, re.S).group(1)
    assert '"dynamodb:PutItem"' in role and 'aws_dynamodb_table.table["read-models"].arn' in role
    assert "AsyncFailures" in role, "a rule target is invoked asynchronously: its failures go to the async DLQ"
    assert f"/aws/lambda/orders-platform-dev-{FUNCTION}" not in iam  # the log group comes from the overlay's for_each

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=(port := free_port()), verbose=False)
    server.start()
    try:
        terraform.init(module)
        plan = terraform.plan_json(module, f"http://127.0.0.1:{port}")
    finally:
        server.stop()
    planned = {r["address"]: r["change"]["after"] for r in plan["resource_changes"]}
    assert planned[f"aws_iam_role.{FUNCTION}"]["name"] == f"orders-platform-dev-{FUNCTION}"
    assert f"aws_iam_role_policy.{FUNCTION}" in planned
    function = planned[f"aws_lambda_function.{FUNCTION}"]
    assert function["architectures"] == ["arm64"] and function["dead_letter_config"]
    log_group = planned[f'aws_cloudwatch_log_group.function["{FUNCTION}"]']
    assert (log_group["name"], log_group["retention_in_days"]) == (f"/aws/lambda/orders-platform-dev-{FUNCTION}", 30)
    for alarm in ("errors", "throttles"):
        assert planned[f'aws_cloudwatch_metric_alarm.alarm["{alarm}/{FUNCTION}"]']["dimensions"] == {
            "FunctionName": f"orders-platform-dev-{FUNCTION}"
        }
    rule = planned[f'aws_cloudwatch_event_rule.rule["{RULE}"]']
    assert json.loads(rule["event_pattern"]) == {"source": ["app.orders"], "detail-type": ["OrderCancelled"]}
    target = planned[f'aws_cloudwatch_event_target.target["{RULE}/{TARGET}"]']
    assert target["retry_policy"] == [{"maximum_event_age_in_seconds": 600, "maximum_retry_attempts": 1}]
    assert target["dead_letter_config"], "the bus's default DLQ"
    permission = planned[f'aws_lambda_permission.rule_target["{RULE}/{TARGET}"]']
    assert (permission["principal"], permission["statement_id"]) == (
        "events.amazonaws.com",
        f"bus-rule-{RULE}-{TARGET}",
    )

    output, _ = own_tests.communicate(timeout=300)
    assert own_tests.returncode == 0, output
    for name in ("test_a_cancelled_order_is_recorded", "test_another_event_is_refused"):
        assert f"PASSED {HANDLER_TEST}::{name}" in output, output
    output, _ = least_privilege.communicate(timeout=300)
    assert least_privilege.returncode == 0, output
    # The function's calls are all granted, and its grant is used: both directions ran for it.
    assert re.search(r"\b2 passed\b", output), output
