"""The real terraform over the built module of each stage: init, validate, fmt and a plan read back
and checked against what the seeds ask (tests/infra/plan_expectations.py)."""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from moto.server import ThreadedMotoServer

from infra import build
from tests.infra import terraform
from tests.infra.conftest import PROJECT
from tests.infra.plan_expectations import missing, planned

STAGES = ("dev", "prod")


@dataclass
class StageRun:
    stage: str
    validate: dict
    fmt: int
    fmt_output: str
    plan: dict


@pytest.fixture(scope="module")
def sts_url():
    terraform.require_terraform()
    port = terraform.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="module")
def runs(sts_url, tmp_path_factory) -> dict[str, StageRun]:
    """One build, init, validate, fmt and plan per stage, the stages side by side."""

    def one(stage: str) -> StageRun:
        module = tmp_path_factory.mktemp(f"tf-{stage}") / "module"
        build.build(PROJECT, stage, module)
        terraform.init(module, "-backend=false")
        validate = json.loads(terraform.run(module, "validate", "-json", "-no-color", check=False).stdout)
        fmt = terraform.run(module, "fmt", "-check", "-recursive", "-no-color", check=False)
        return StageRun(stage, validate, fmt.returncode, fmt.stdout, terraform.plan_json(module, sts_url))

    with ThreadPoolExecutor(len(STAGES)) as pool:
        return {run.stage: run for run in pool.map(one, STAGES)}


@pytest.mark.parametrize("stage", STAGES)
def test_module_validates_without_warnings(runs, stage):
    result = runs[stage].validate
    assert result["valid"] is True, result
    # Deprecations (stage_name, invoke_url) used to show here as warnings.
    assert [d["summary"] for d in result["diagnostics"]] == []


@pytest.mark.parametrize("stage", STAGES)
def test_module_is_formatted(runs, stage):
    assert runs[stage].fmt == 0, runs[stage].fmt_output


@pytest.mark.parametrize("stage", STAGES)
def test_plan_has_what_the_seeds_ask(runs, stage):
    assert missing(runs[stage].plan, stage) == []


def test_stages_plan_the_same_resources_under_their_own_names(runs):
    dev, prod = (planned(runs[s].plan) for s in STAGES)
    assert {t: set(r) for t, r in dev.items()} == {t: set(r) for t, r in prod.items()}
    assert prod["aws_dynamodb_table"]["orders"].get("name") == "orders-platform-prod-orders"
    assert dev["aws_dynamodb_table"]["orders"].get("name") == "orders-platform-dev-orders"


def test_plan_has_an_alarm_per_dead_letter_queue_function_machine_and_pipe(runs):
    alarms = planned(runs["dev"].plan)["aws_cloudwatch_metric_alarm"]
    names = {a.get("alarm_name") for a in alarms.values()}
    assert "orders-platform-dev-dlq-depth-events-dlq" in names
    assert "orders-platform-dev-dlq-depth-order-processor-dlq" in names
    assert "orders-platform-dev-throttles-payment_processor" in names
    assert "orders-platform-dev-failed-executions-payments" in names
    assert "orders-platform-dev-pipe-failures-orders-events" in names


def _without(plan: dict, address: str) -> dict:
    broken = copy.deepcopy(plan)
    broken["resource_changes"] = [r for r in broken["resource_changes"] if r["address"] != address]
    return broken


def _changed(plan: dict, address: str, **after) -> dict:
    broken = copy.deepcopy(plan)
    for change in broken["resource_changes"]:
        if change["address"] == address:
            change["change"]["after"].update(after)
            for key in after:
                change["change"]["after_unknown"].pop(key, None)
    return broken


def test_the_check_fails_when_a_seed_resource_or_setting_is_missing(runs):
    plan = runs["dev"].plan
    assert missing(plan, "dev") == []

    no_alarm = _without(plan, 'aws_cloudwatch_metric_alarm.alarm["dlq-depth/events-dlq"]')
    assert missing(no_alarm, "dev") == [
        "no alarm on ApproximateNumberOfMessagesVisible of orders-platform-dev-events-dlq"
    ]

    no_pitr = _changed(plan, 'aws_dynamodb_table.table["orders"]', point_in_time_recovery=[{"enabled": False}])
    assert missing(no_pitr, "dev") == ["table orders: no PITR"]

    no_key = _changed(plan, "aws_cloudwatch_event_bus.bus", kms_key_identifier=None)
    assert missing(no_key, "dev") == ["event bus: no customer-managed KMS key (kms_key_identifier)"]

    schedule = next(r["address"] for r in plan["resource_changes"] if r["address"].endswith("daily_report-event"))
    schedule = schedule.replace("aws_cloudwatch_event_rule", "aws_cloudwatch_event_target")
    no_dlq = _changed(plan, schedule, dead_letter_config=[])
    assert missing(no_dlq, "dev") == ["target daily_report-event: no dead-letter queue"]

    x86 = _changed(plan, "aws_lambda_function.analytics", architectures=["x86_64"])
    assert missing(x86, "dev") == ["function analytics: not arm64"]


def test_without_terraform_the_checks_skip_saying_why_and_ci_refuses_to(monkeypatch):
    monkeypatch.setattr(terraform, "TERRAFORM", None)
    monkeypatch.setattr(terraform, "REQUIRED", False)
    with pytest.raises(pytest.skip.Exception, match="no terraform on PATH"):
        terraform.require_terraform()
    monkeypatch.setattr(terraform, "REQUIRED", True)
    with pytest.raises(pytest.fail.Exception, match="no terraform on PATH"):
        terraform.require_terraform()
    workflow = (PROJECT / ".github" / "workflows" / "terraform.yml").read_text()
    assert 'TERRAFORM_REQUIRED: "1"' in workflow and "hashicorp/setup-terraform" in workflow
