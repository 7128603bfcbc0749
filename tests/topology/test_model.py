"""The typed topology: unknown keys and dangling references refused by key path, defaults filled once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

import topology
from tests.integration.stack import free_port
from topology import TopologyError

PROJECT = topology.PROJECT_DIR
RAW = yaml.safe_load(topology.TOPOLOGY_FILE.read_text())


def write(tmp_path, raw: dict):
    path = tmp_path / "infra" / "topology.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    # State machine definitions are read relative to the project the file is in.
    shutil.copytree(PROJECT / "infra" / "state_machines", path.parent / "state_machines", dirs_exist_ok=True)
    return path


def problems(tmp_path, change) -> list[str]:
    """The lines a topology changed by ``change`` (a function of the raw YAML) is refused with."""
    raw = json.loads(json.dumps(RAW))
    change(raw)
    with pytest.raises(TopologyError) as refused:
        topology.load(write(tmp_path, raw), project_dir=PROJECT)
    return str(refused.value).splitlines()


def test_the_project_topology_is_valid_and_its_document_is_json():
    document = topology.document(topology.load())
    assert json.loads(json.dumps(document)) == document


def test_an_unknown_key_is_refused_naming_its_path(tmp_path):
    def typo(raw):
        raw["rules"]["analytics"]["targets"]["analytics"]["retry_polcy"] = {}

    (line,) = problems(tmp_path, typo)
    assert line.endswith("topology.yaml: rules.analytics.targets.analytics.retry_polcy: Extra inputs are not permitted")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda raw: raw["rules"]["analytics"]["targets"]["analytics"].update(dead_letter_queue="nowhere"),
            "rules.analytics.targets.analytics.dead_letter_queue: queue 'nowhere' is not declared",
        ),
        (
            lambda raw: raw["functions"]["notifier"]["permissions"][0].update(resources=["table:nowhere"]),
            "functions.notifier.permissions.0.resources.0: table 'nowhere' is not declared",
        ),
        (
            lambda raw: raw["functions"]["analytics"]["permissions"][0].update(resources=["index:read-models"]),
            "functions.analytics.permissions.0.resources.0: table 'read-models' has no global_secondary_indexes",
        ),
        (
            lambda raw: raw["state_machines"]["payments"].update(dead_letter_queue="events-dlq"),
            "state_machines.payments: dead_letter_queue 'events-dlq' is not one of its queues placeholders",
        ),
        (
            lambda raw: raw["state_machines"]["payments"].update(definition="infra/state_machines/nope.json"),
            "state_machines.payments.definition: no file 'infra/state_machines/nope.json' in the project",
        ),
        (
            lambda raw: raw["topics"]["order-created"]["subscriptions"]["order-processor"].update(queue="gone"),
            "topics.order-created.subscriptions.order-processor.queue: queue 'gone' is not declared",
        ),
        (
            lambda raw: raw["rules"]["analytics"]["targets"]["analytics"].update(topic="notifications"),
            "rules.analytics.targets.analytics: a target names exactly one of function, topic",
        ),
        (
            lambda raw: raw["functions"]["notifier"]["permissions"][0].update(resources=["bucket:x"]),
            "functions.notifier.permissions.0.resources.0.kind: Input should be",
        ),
    ],
    ids=["target-dlq", "grant", "index", "machine-dlq", "definition", "subscription", "two-destinations", "kind"],
)
def test_a_dangling_or_malformed_reference_is_refused_naming_its_path(tmp_path, change, expected):
    assert any(expected in line for line in problems(tmp_path, change)), problems(tmp_path, change)


def test_defaults_are_filled_once_and_a_target_may_override_them(tmp_path):
    raw = json.loads(json.dumps(RAW))
    raw["queues"]["plain"] = {}
    own = {"maximum_event_age_seconds": 120, "maximum_retry_attempts": 1}
    raw["rules"]["analytics"]["targets"]["analytics"].update(retry_policy=own, dead_letter_queue="pipe-dlq")
    document = topology.document(topology.load(write(tmp_path, raw), project_dir=PROJECT))
    assert document["queues"]["plain"] == {
        "visibility_timeout_seconds": 30,
        "message_retention_seconds": 345600,
        "redrive": None,
        "dead_letter": False,
    }
    notifier = document["rules"]["order-status-notify"]["targets"]["notifier"]
    assert notifier["retry_policy"] == RAW["event_bus"]["target_defaults"]["retry_policy"]
    assert notifier["dead_letter_queue"] == RAW["event_bus"]["target_defaults"]["dead_letter_queue"]
    analytics = document["rules"]["analytics"]["targets"]["analytics"]
    assert (analytics["retry_policy"], analytics["dead_letter_queue"]) == (own, "pipe-dlq")
    assert document["state_machines"]["payments"]["logging"]["retention_days"] == 30
    assert document["functions"]["notifier"]["permissions"][0]["resources"] == ["table:idempotency"]


def test_python_m_topology_prints_the_document_or_one_line_per_problem(tmp_path):
    printed = subprocess.run([sys.executable, "-m", "topology"], cwd=PROJECT, capture_output=True, text=True)
    assert printed.returncode == 0 and json.loads(printed.stdout) == topology.document(topology.load())
    raw = {**RAW, "logging": {"kms_encrypted": True}}
    refused = subprocess.run(
        [sys.executable, "-m", "topology", str(write(tmp_path, raw))], cwd=PROJECT, capture_output=True, text=True
    )
    assert refused.returncode == 2
    assert refused.stderr.strip().endswith("topology.yaml: logging: Extra inputs are not permitted")
    assert len(refused.stderr.strip().splitlines()) == 1


def test_make_package_refuses_a_bad_topology_with_one_line(tmp_path):
    raw = json.loads(json.dumps(RAW))
    raw["queues"]["events-dlq"]["visibility_timeout"] = 5
    write(tmp_path, raw)
    (tmp_path / ".chalice").mkdir()
    (tmp_path / ".chalice" / "config.json").write_text((PROJECT / ".chalice" / "config.json").read_text())
    done = subprocess.run(
        [sys.executable, "-m", "infra.build", "--project-dir", str(tmp_path), "--out", str(tmp_path / "out")],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("build failed: bad topology: ")
    assert line.endswith("queues.events-dlq.visibility_timeout: Extra inputs are not permitted")
    assert not (tmp_path / "out").exists()


def test_make_dev_refuses_a_bad_topology_with_one_line(tmp_path):
    raw = json.loads(json.dumps(RAW))
    raw["pipe"]["source"]["dead_letter_queue"] = "nowhere"
    env = {
        **os.environ,
        "LOCAL_TOPOLOGY": str(write(tmp_path, raw)),
        "LOCAL_AWS_PORT": str(free_port()),
        "LOCAL_API_PORT": str(free_port()),
    }
    env.pop("AWS_ENDPOINT_URL", None)
    done = subprocess.run(["make", "-s", "dev"], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode != 0 and "ready" not in output
    refusals = [line for line in output.splitlines() if "bad topology" in line]
    assert len(refusals) == 1, output
    assert "pipe.source.dead_letter_queue: queue 'nowhere' is not declared" in refusals[0]


def test_make_package_refuses_a_rule_pattern_the_catalog_lacks(tmp_path):
    raw = json.loads(json.dumps(RAW))
    raw["rules"]["order-status-notify"]["event_pattern"]["detail-type"] = ["OrderShipped"]
    write(tmp_path, raw)
    (tmp_path / ".chalice").mkdir()
    (tmp_path / ".chalice" / "config.json").write_text((PROJECT / ".chalice" / "config.json").read_text())
    done = subprocess.run(
        [sys.executable, "-m", "infra.build", "--project-dir", str(tmp_path), "--out", str(tmp_path / "out")],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("build failed: bad topology: ")
    assert line.endswith(
        "rules.order-status-notify.event_pattern.detail-type: 'OrderShipped' is not a catalog event of ['app.orders']"
    )
    assert not (tmp_path / "out").exists()


def test_make_dev_refuses_a_rule_pattern_the_catalog_lacks(tmp_path):
    raw = json.loads(json.dumps(RAW))
    raw["rules"]["order-status-notify"]["event_pattern"]["source"] = ["app.order"]
    env = {
        **os.environ,
        "LOCAL_TOPOLOGY": str(write(tmp_path, raw)),
        "LOCAL_AWS_PORT": str(free_port()),
        "LOCAL_API_PORT": str(free_port()),
    }
    env.pop("AWS_ENDPOINT_URL", None)
    done = subprocess.run(["make", "-s", "dev"], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode != 0 and "ready" not in output
    refusals = [line for line in output.splitlines() if "bad topology" in line]
    assert len(refusals) == 1, output
    assert "rules.order-status-notify.event_pattern.source: 'app.order' matches no catalog source" in refusals[0]


@pytest.mark.parametrize("archive", [None, "missing"])
def test_the_bus_archive_is_required_since_terraform_always_creates_it(tmp_path, archive):
    def change(raw):
        if archive is None:
            raw["event_bus"]["archive"] = None
        else:
            del raw["event_bus"]["archive"]

    (line,) = problems(tmp_path, change)
    assert line.endswith(
        "event_bus.archive: "
        + ("Field required" if archive else "Input should be a valid dictionary or instance of Archive")
    )
