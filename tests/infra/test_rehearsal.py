"""The deploy rehearsal's own logic, cheaply: gap list and targets against the built module's real
`terraform graph`, the emulator override accepted by `terraform validate`, and the report. The full
apply runs in `make rehearse` (about three minutes), not here."""

from __future__ import annotations

import shutil

import pytest

from infra.rehearsal import gaps
from infra.rehearsal.run import Report
from infra.rehearsal.smoke import Result
from infra.rehearsal.terraform import OVERRIDE_FILE, Terraform, binary, override


@pytest.fixture
def needs_terraform() -> None:
    if not binary():
        pytest.fail("no terraform on PATH: install Terraform >= 1.10 (the rehearsal needs it)", pytrace=False)


@pytest.fixture(scope="module")
def initialised(module_dir, tmp_path_factory) -> Terraform:
    """A copy of the built module with the rehearsal's override, initialised as the rehearsal does."""
    copy = tmp_path_factory.mktemp("rehearsal") / "module"
    shutil.copytree(module_dir, copy)
    (copy / OVERRIDE_FILE).write_text(override("http://127.0.0.1:1"))
    terraform = Terraform(copy, copy.parent / "logs")
    terraform.init()
    return terraform


@pytest.mark.usefixtures("needs_terraform")
def test_rest_api_is_a_known_gap_and_what_needs_it_is_left_out(initialised):
    graph = gaps.Graph.parse(initialised.graph())
    selection = gaps.select(graph)

    assert selection.gaps == {"aws_api_gateway_rest_api.rest_api": gaps.KNOWN_GAPS["aws_api_gateway_rest_api"]}
    assert selection.blocked == {
        "aws_api_gateway_deployment.rest_api": "aws_api_gateway_rest_api.rest_api",
        "aws_lambda_permission.rest_api_invoke": "aws_api_gateway_rest_api.rest_api",
        "aws_api_gateway_stage.api": "aws_api_gateway_rest_api.rest_api",
        "aws_api_gateway_method_settings.api": "aws_api_gateway_rest_api.rest_api",
        "aws_api_gateway_gateway_response.api_error": "aws_api_gateway_rest_api.rest_api",
    }
    # Everything else is applied, including what the gap itself needs (the API's function).
    assert set(selection.targets) == graph.resources - set(selection.gaps) - set(selection.blocked)
    assert {"aws_lambda_function.api_handler", "aws_sfn_state_machine.machine", "aws_pipes_pipe.pipe"} <= set(
        selection.targets
    )
    assert not any(t.startswith("data.") for t in selection.targets)
    assert "needs aws_api_gateway_rest_api.rest_api" in selection.reason("aws_lambda_permission.rest_api_invoke")


@pytest.mark.usefixtures("needs_terraform")
def test_emulator_override_is_valid_for_the_module(initialised):
    initialised.run("validate", ["validate", "-no-color"], timeout=120)
    text = (initialised.module / OVERRIDE_FILE).read_text()
    assert 'sts        = "http://127.0.0.1:1"' in text
    assert "deletion_protection_enabled = false" in text


DOT = """digraph G {
  "aws_a.gap" [label="aws_a.gap"];
  "aws_b.direct" [label="aws_b.direct"];
  "aws_b.indirect" [label="aws_b.indirect"];
  "aws_c.free" [label="aws_c.free"];
  "data.aws_region.current" [label="data.aws_region.current"];
  "aws_b.direct" -> "aws_a.gap";
  "aws_b.indirect" -> "aws_b.direct";
  "aws_c.free" -> "data.aws_region.current";
  "aws_a.gap" -> "aws_c.free";
}"""


def test_dependents_of_a_gap_are_left_out_transitively():
    selection = gaps.select(gaps.Graph.parse(DOT), {"aws_a": "cannot"})
    assert selection.targets == ["aws_c.free"]
    assert selection.gaps == {"aws_a.gap": "cannot"}
    assert selection.blocked == {"aws_b.direct": "aws_a.gap", "aws_b.indirect": "aws_a.gap"}


def test_a_gap_for_a_type_the_module_lacks_is_refused():
    with pytest.raises(gaps.StaleGapList, match="aws_gone"):
        gaps.select(gaps.Graph.parse(DOT), {"aws_a": "cannot", "aws_gone": "fixed long ago"})


def test_instance_addresses_map_to_their_resource():
    assert gaps.resource_of('aws_sqs_queue.queue["a[b]"]') == "aws_sqs_queue.queue"
    assert gaps.resource_of("aws_kms_key.main") == "aws_kms_key.main"


def test_report_names_each_gap_and_fails_on_any_failure():
    report = Report(
        planned=["aws_a.gap", "aws_c.free"],
        created=["aws_c.free"],
        left_out={"aws_a.gap": "cannot"},
        smoke=[Result("bus -> analytics", False, 1.0, "TimeoutError: not seen")],
        failures=["smoke: bus -> analytics: TimeoutError: not seen"],
    )
    text = "\n".join(report.lines())
    assert "aws_a.gap" in text and "cannot" in text
    assert "smoke FAIL bus -> analytics" in text
    assert text.endswith("rehearsal FAILED")
    assert Report(planned=["x"], created=["x"]).lines()[-1] == "rehearsal passed"
