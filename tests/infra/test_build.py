"""The build: a complete module from a clean checkout, and refusals when the parts disagree."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile

import pytest

import topology as typed_topology
from infra.build import BuildError
from infra.build.corrections import correct
from local_runtime import topology
from tests.infra.conftest import PROJECT


def test_module_has_chalice_resources_overlay_and_inputs(module_dir, config):
    names = {p.name for p in module_dir.iterdir()}
    assert {"chalice.tf", "functions.tf", "iam.tf", "deployment.zip", "topology.json", "terraform.tfvars.json"} <= names
    assert {p.name for p in (PROJECT / "infra").glob("*.tf")} <= names
    assert not list(module_dir.glob("*.tf.json")), (
        "Chalice's JSON export must not be deployed beside its corrected copy"
    )
    tfvars = json.loads((module_dir / "terraform.tfvars.json").read_text())
    assert tfvars == {
        "stage": "dev",
        "name_prefix": config["stages"]["dev"]["environment_variables"]["RESOURCE_PREFIX"],
    }


def test_topology_in_module_is_the_document_the_local_runtime_reads(module_dir):
    assert json.loads((module_dir / "topology.json").read_text()) == topology.load()
    assert not (module_dir / "topology.yaml").exists(), "Terraform reads only the normalized document"


def test_state_machine_definitions_are_copied_where_the_topology_says(module_dir):
    for machine in topology.load()["state_machines"].values():
        assert (module_dir / machine["definition"]).read_bytes() == (PROJECT / machine["definition"]).read_bytes()


def test_chalice_export_is_corrected(module_text):
    chalice = module_text["chalice.tf"]
    assert "required_version" not in chalice and "null_data_source" not in chalice
    assert 'resource "aws_iam_role_policy"' not in chalice, "Chalice's shared Resource * policy must be gone"
    functions = re.findall(r'resource "aws_lambda_function" "(\w+)" \{(.*?)\n\}', chalice, re.S)
    assert functions
    for name, body in functions:
        assert re.search(r'architectures\s+= \["arm64"\]', body), name
        assert f"aws_iam_role.{name}.arn" in body, name
        assert "RESOURCE_PREFIX" in body and "var.name_prefix" in body, name
        assert f'aws_cloudwatch_log_group.function["{name}"].name' in body, name
    for body in re.findall(r'resource "aws_lambda_event_source_mapping" "[^"]+" \{(.*?)\n\}', chalice, re.S):
        if "event_source_arn                   = aws_sqs_queue" in body:
            assert re.search(r'function_response_types\s+= \["ReportBatchItemFailures"\]', body)
        else:
            assert re.search(r'event_source_arn\s+= aws_dynamodb_table\.table\["\w+"\]\.stream_arn', body)
            assert "bisect_batch_on_function_error" in body and "maximum_retry_attempts" in body
            assert re.search(r'destination_arn = aws_sqs_queue\.queue\["[\w-]+"\]\.arn', body)
    versions = module_text["versions.tf"]
    assert 'source  = "hashicorp/aws"' in versions and 'required_version = ">= 1.5.0"' in versions


def test_payment_functions_reserve_concurrency(module_text):
    chalice = module_text["chalice.tf"]
    for fn in topology.load()["state_machines"]["payments"]["functions"] + ["payments_trigger"]:
        body = re.search(rf'resource "aws_lambda_function" "{fn}" \{{(.*?)\n\}}', chalice, re.S).group(1)
        assert "reserved_concurrent_executions" in body, fn


def _export(**resources) -> dict:
    fn = {"function_name": "orders-platform-dev-x", "role": "r"}
    return {"resource": {"aws_lambda_function": {"x": dict(fn)}, **resources}}


def _topology(**changes) -> typed_topology.Topology:
    """The project's topology with ``changes`` to its sections, validated again."""
    return typed_topology.Topology.model_validate({**topology.load(), **changes})


def _only_x(**changes) -> typed_topology.Topology:
    """A topology whose rules, pipe and machines name only function x, so the export's x satisfies them."""
    declared = topology.load()
    pipe = {**declared["pipe"], "enrichment": {"function": "x"}}
    return _topology(
        **{
            "rules": {},
            "state_machines": {},
            "stream_mappings": {},
            "pipe": pipe,
            "functions": {"x": {"permissions": []}},
            **changes,
        }
    )


def test_undeclared_queue_read_by_a_consumer_is_refused():
    mapping = {
        "function_name": "${aws_lambda_function.x.arn}",
        "event_source_arn": "arn:aws:sqs:us-east-1:1:orders-platform-dev-nowhere",
    }
    with pytest.raises(BuildError, match="nowhere"):
        correct(_export(aws_lambda_event_source_mapping={"m": mapping}), _only_x(), "orders-platform-dev")


def test_rule_naming_a_function_app_py_lacks_is_refused():
    with pytest.raises(BuildError, match="rule order-status-notify names function 'notifier'"):
        correct(_export(), _topology(functions={"x": {"permissions": []}}, stream_mappings={}), "orders-platform-dev")


def test_a_function_without_its_entry_or_an_entry_without_its_function_is_refused():
    with pytest.raises(
        BuildError, match=re.escape("functions.x: app.py defines 'x' but infra/topology.yaml has no entry")
    ):
        correct(_export(), _only_x(functions={}), "orders-platform-dev")
    extra = {"x": {"permissions": []}, "gone": {"permissions": []}}
    with pytest.raises(BuildError, match=re.escape("functions.gone: the entry names function 'gone'")):
        correct(_export(), _only_x(functions=extra), "orders-platform-dev")


def test_stream_mapping_without_declared_failure_handling_is_refused():
    mapping = {
        "function_name": "${aws_lambda_function.x.arn}",
        "event_source_arn": "arn:aws:dynamodb:us-east-1:1:table/orders-platform-dev-orders/stream/x",
    }
    with pytest.raises(BuildError, match="on_failure"):
        correct(
            _export(aws_lambda_event_source_mapping={"m": mapping}), _only_x(stream_mappings={}), "orders-platform-dev"
        )


def test_a_stream_mapping_entry_for_a_function_reading_no_stream_is_refused():
    mappings = {"x": {"on_failure": "change-log-dlq"}}
    with pytest.raises(BuildError, match=re.escape("stream_mappings.x: x reads no stream in app.py")):
        correct(_export(), _only_x(stream_mappings=mappings), "orders-platform-dev")


def test_corrections_leave_the_export_as_it_was_and_return_what_they_learned():
    mapping = {
        "function_name": "${aws_lambda_function.x.arn}",
        "event_source_arn": "arn:aws:sqs:us-east-1:1:orders-platform-dev-order-processor",
    }
    export = _export(aws_lambda_event_source_mapping={"m": mapping})
    before = json.dumps(export, sort_keys=True)
    corrected = correct(export, _only_x(), "orders-platform-dev")
    assert json.dumps(export, sort_keys=True) == before
    assert corrected.learned.sync_sources["x"] == ("SQS", "the pipe's enrichment")
    assert corrected.learned.function_names == {"x": "orders-platform-dev-x"}
    assert corrected.export["resource"]["aws_lambda_event_source_mapping"]["m"]["function_response_types"] == [
        "ReportBatchItemFailures"
    ]


def test_a_trigger_reading_another_topic_is_refused():
    declared = topology.load()
    machine = declared["state_machines"]["payments"]
    machines = {"payments": {**machine, "trigger": {**machine["trigger"], "topic": "notifications"}}}
    functions = {fn: {"permissions": []} for fn in ("x", *machine["functions"], "payments_trigger")}
    export = _export()
    for fn in functions:
        export["resource"]["aws_lambda_function"][fn] = {"function_name": f"orders-platform-dev-{fn}", "role": "r"}
    export["resource"]["aws_sns_topic_subscription"] = {
        "s": {
            "topic_arn": "arn:aws:sns:us-east-1:1:orders-platform-dev-payments",
            "endpoint": "${aws_lambda_function.payments_trigger.arn}",
        }
    }
    with pytest.raises(
        BuildError,
        match=re.escape("state_machines.payments.trigger: payments_trigger is not subscribed to topic 'notifications'"),
    ):
        correct(export, _only_x(state_machines=machines, functions=functions), "orders-platform-dev")


def test_architecture_option_changes_functions_and_packaged_wheels(tmp_path, module_dir):
    """`python -m infra.build --architecture x86_64` builds what runs on an x86_64 host; the default stays arm64."""
    out = tmp_path / "x86"
    subprocess.run(
        [sys.executable, "-m", "infra.build", "--stage", "dev", "--out", str(out), "--architecture", "x86_64"],
        cwd=PROJECT,
        check=True,
        capture_output=True,
    )
    chalice = (out / "chalice.tf").read_text()
    architectures = re.findall(r'architectures\s+= \["(\w+)"\]', chalice)
    assert len(architectures) == chalice.count('resource "aws_lambda_function"') > 0
    assert set(architectures) == {"x86_64"}

    def native_libraries(module):
        names = zipfile.ZipFile(module / "deployment.zip").namelist()
        return [n for n in names if n.startswith("pydantic_core/") and n.endswith(".so")]

    assert native_libraries(out) and all("x86_64" in n for n in native_libraries(out))
    assert [n for n in native_libraries(module_dir) if "aarch64" in n], "the default build stays arm64"
    assert json.loads((PROJECT / ".chalice" / "config.json").read_text())["lambda_architecture"] == "arm64"
