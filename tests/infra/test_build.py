"""The build: a complete module from a clean checkout, and refusals when the parts disagree."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile

import pytest

from infra import build
from infra.build import BuildError, Module
from local_runtime import topology
from tests.infra.conftest import PROJECT


def test_module_has_chalice_resources_overlay_and_inputs(module_dir, config):
    names = {p.name for p in module_dir.iterdir()}
    assert {"chalice.tf", "functions.tf", "deployment.zip", "topology.yaml", "terraform.tfvars.json"} <= names
    assert {p.name for p in (PROJECT / "infra").glob("*.tf")} <= names
    assert not list(module_dir.glob("*.tf.json")), (
        "Chalice's JSON export must not be deployed beside its corrected copy"
    )
    tfvars = json.loads((module_dir / "terraform.tfvars.json").read_text())
    assert tfvars == {
        "stage": "dev",
        "name_prefix": config["stages"]["dev"]["environment_variables"]["RESOURCE_PREFIX"],
    }


def test_topology_in_module_is_the_one_the_local_runtime_reads(module_dir):
    assert (module_dir / "topology.yaml").read_bytes() == topology.TOPOLOGY_FILE.read_bytes()


def test_state_machine_definitions_are_copied_where_the_topology_says(module_dir):
    for machine in (topology.load().get("state_machines") or {}).values():
        source = PROJECT / machine["definition"]
        copied = module_dir / machine["definition"]
        assert copied.exists() == source.exists()
        if source.exists():
            assert copied.read_bytes() == source.read_bytes()


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


def _module(export: dict, topo: dict | None = None) -> Module:
    return Module(
        export,
        topo or topology.load(),
        build.load_yaml(PROJECT / "infra" / "functions.yaml"),
        "orders-platform-dev",
        PROJECT,
    )


def test_undeclared_queue_read_by_a_consumer_is_refused():
    mapping = {
        "function_name": "${aws_lambda_function.x.arn}",
        "event_source_arn": "arn:aws:sqs:us-east-1:1:orders-platform-dev-nowhere",
    }
    with pytest.raises(BuildError, match="nowhere"):
        _module(_export(aws_lambda_event_source_mapping={"m": mapping}))._event_source_mappings()


def test_rule_naming_a_function_app_py_lacks_is_refused():
    with pytest.raises(BuildError, match="notifier"):
        _module(_export())._rule_targets()


def test_stream_mapping_without_declared_failure_handling_is_refused():
    mapping = {
        "function_name": "${aws_lambda_function.x.arn}",
        "event_source_arn": "arn:aws:dynamodb:us-east-1:1:table/orders-platform-dev-orders/stream/x",
    }
    topo = {**topology.load(), "stream_mappings": {}}
    with pytest.raises(BuildError, match="on_failure"):
        _module(_export(aws_lambda_event_source_mapping={"m": mapping}), topo)._event_source_mappings()


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
