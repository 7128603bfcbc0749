"""The real terraform over the built module of each stage: init, validate, fmt and a plan read back
and checked against what the platform requires (tests/infra/plan_expectations.py)."""

from __future__ import annotations

import copy
import json
import re
import shutil
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
    module: build.Module
    validate: dict
    fmt: int
    fmt_output: str
    plan: dict
    # dev only: a second plan with tracing off and an alarm address
    variant: dict | None = None


@pytest.fixture(scope="module")
def sts_url():
    terraform.require_terraform()
    port = terraform.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="module")
def runs(sts_url, built, tmp_path_factory) -> dict[str, StageRun]:
    """One build, init, validate, fmt and plan per stage, the stages side by side."""

    def one(stage: str) -> StageRun:
        module = tmp_path_factory.mktemp(f"tf-{stage}") / "module"
        if stage == "dev":  # the session's build of dev, copied so terraform's files stay out of it
            shutil.copytree(built[1], module)
            built_module = built[0]
        else:
            built_module = build.build(PROJECT, stage, module)
        terraform.init(module, "-backend=false")
        validate = json.loads(terraform.run(module, "validate", "-json", "-no-color", check=False).stdout)
        fmt = terraform.run(module, "fmt", "-check", "-recursive", "-no-color", check=False)
        plan = terraform.plan_json(module, sts_url)
        variant = None
        if stage == "dev":
            variant = terraform.plan_json(module, sts_url, "tracing_enabled=false", "alarm_email=ops@example.com")
        return StageRun(stage, built_module, validate, fmt.returncode, fmt.stdout, plan, variant)

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
def test_plan_has_what_the_platform_requires(runs, stage):
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


def test_without_terraform_the_checks_fail_saying_what_to_install(monkeypatch):
    monkeypatch.setattr(terraform, "TERRAFORM", None)
    with pytest.raises(pytest.fail.Exception, match="no terraform on PATH: install Terraform"):
        terraform.require_terraform()
    workflow = (PROJECT / ".github" / "workflows" / "terraform.yml").read_text()
    assert "hashicorp/setup-terraform" in workflow


# How AWS spells the ARN of each resource type the policies name, after "arn:aws:<service>:<region>:<account>:".
ARN_FORMATS = {
    "aws_dynamodb_table": ("dynamodb", "table/{}"),
    "aws_sqs_queue": ("sqs", "{}"),
    "aws_sns_topic": ("sns", "{}"),
    "aws_sfn_state_machine": ("states", "stateMachine:{}"),
    "aws_cloudwatch_log_group": ("logs", "log-group:{}"),
    "aws_cloudwatch_event_bus": ("events", "event-bus/{}"),
}
REFERENCE = re.compile(r'^\$\{(aws_\w+)\.(\w+)(?:\["([\w-]+)"\])?\.(arn|stream_arn)\}(.*)$')


def _terraform_grants(statements: list[dict], resources: dict) -> set[tuple[str, str, str]]:
    """(action, service, resource) granted, each Terraform reference resolved through the plan's names."""
    grants = set()
    for statement in statements:
        targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for target in targets:
            if target == "*":
                resolved = ("*", "*")
            elif target == "${aws_kms_key.main.arn}":
                resolved = ("kms", resources["aws_kms_alias"]["main"].get("name"))
            else:
                type_, name, key, attribute, suffix = REFERENCE.match(target).groups()
                service, form = ARN_FORMATS[type_]
                resource = form.format(resources[type_][key or name].get("name"))
                resolved = (service, resource + ("/stream/*" if attribute == "stream_arn" else "") + suffix)
            grants |= {(action, *resolved) for action in statement["Action"]}
    return grants


def _chalice_grants(document: dict) -> set[tuple[str, str, str]]:
    grants = set()
    for statement in document["Statement"]:
        targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for target in targets:
            if target == "*":
                resolved = ("*", "*")
            elif target.startswith("arn:aws:kms:"):
                # The key is named by its alias (its id is random), and only by it.
                resolved = ("kms", statement["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"])
            else:
                _, _, service, region, account, resource = target.split(":", 5)
                assert (region, account) == ("*", "*"), target
                resolved = (service, resource)
            grants |= {(action, *resolved) for action in statement["Action"]}
    return grants


@pytest.mark.parametrize("stage", STAGES)
def test_chalice_deploy_grants_what_the_module_grants(runs, stage):
    """The committed .chalice policy files and the module's roles: same actions on the same resources."""
    run = runs[stage]
    resources = planned(run.plan)
    config = json.loads((PROJECT / ".chalice" / "config.json").read_text())["stages"][stage]
    assert config["autogen_policy"] is False
    for fn in run.module.functions:
        policy_file = PROJECT / ".chalice" / config["lambda_functions"][fn]["iam_policy_file"]
        chalice = _chalice_grants(json.loads(policy_file.read_text()))
        module = _terraform_grants(run.module.policy(fn)["Statement"], resources)
        assert chalice == module, fn
        assert any(service == "logs" for _, service, _ in module), fn


def test_one_variable_turns_tracing_off_everywhere_and_another_subscribes_an_address(runs):
    on, off = planned(runs["dev"].plan), planned(runs["dev"].variant)
    assert {f.block("tracing_config").get("mode") for f in on["aws_lambda_function"].values()} == {"Active"}
    assert {f.block("tracing_config").get("mode") for f in off["aws_lambda_function"].values()} == {"PassThrough"}
    assert off["aws_sfn_state_machine"]["payments"].block("tracing_configuration").get("enabled") is False
    assert off["aws_api_gateway_stage"]["api"].get("xray_tracing_enabled") is False
    assert "aws_sns_topic_subscription" not in on or "0" not in on["aws_sns_topic_subscription"]
    email = off["aws_sns_topic_subscription"]["0"]
    assert (email.get("protocol"), email.get("endpoint")) == ("email", "ops@example.com")
