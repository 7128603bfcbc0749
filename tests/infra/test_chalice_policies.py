"""`chalice deploy` uses per-function policy files generated from the same declaration as the module."""

from __future__ import annotations

import json

import pytest

from infra import chalice_policies
from infra.build import BuildError
from tests.infra.conftest import PROJECT


def test_committed_policy_files_and_config_are_up_to_date():
    """Regenerate after changing app.py or the topology: python -m infra.chalice_policies."""
    assert chalice_policies.write(PROJECT, check=True) == []


def test_every_deployed_stage_turns_chalices_generated_policy_off():
    config = json.loads((PROJECT / ".chalice" / "config.json").read_text())
    for stage in chalice_policies.DEPLOY_STAGES:
        assert config["stages"][stage]["autogen_policy"] is False
        for fn, settings in config["stages"][stage]["lambda_functions"].items():
            document = json.loads((PROJECT / ".chalice" / settings["iam_policy_file"]).read_text())
            for statement in document["Statement"]:
                resources = (
                    statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                )
                for resource in resources:
                    assert resource == "*" or f"orders-platform-{stage}" in resource or ":kms:" in resource, (
                        fn,
                        resource,
                    )
    assert "autogen_policy" not in config["stages"]["local"]


def test_a_reference_without_an_arn_pattern_is_refused():
    resolver = chalice_policies.Resolver.__new__(chalice_policies.Resolver)
    resolver.prefix, resolver.bus, resolver.function_names = "p", "p-orders", {}
    assert resolver.value('${aws_sqs_queue.queue["q"].arn}') == "arn:aws:sqs:*:*:p-q"
    with pytest.raises(BuildError, match="no ARN pattern"):
        resolver.value("${aws_s3_bucket.b.arn}")
