"""`make package BACKEND=s3`: state in S3 with a lock, configured at `terraform init -backend-config`."""

from __future__ import annotations

import subprocess

import boto3
import hcl2
import pytest
from moto.server import ThreadedMotoServer

from infra import build
from tests.infra import terraform
from tests.infra.conftest import PROJECT

STATE_KEY = "orders-platform-dev/terraform.tfstate"


def test_make_package_passes_the_backend_option():
    dry = subprocess.run(
        ["make", "-n", "package", "BACKEND=s3"], cwd=PROJECT, capture_output=True, text=True, check=True
    ).stdout
    assert "infra.build --stage dev --out build/terraform --backend s3" in dry
    plain = subprocess.run(["make", "-n", "package"], cwd=PROJECT, capture_output=True, text=True, check=True).stdout
    assert "--backend" not in plain


@pytest.fixture(scope="module")
def s3_module(tmp_path_factory):
    module = tmp_path_factory.mktemp("tf-s3") / "module"
    build.build(PROJECT, "dev", module, backend="s3")
    return module


def test_s3_backend_is_partial_encrypted_and_locked(s3_module, module_dir):
    backend = hcl2.loads((s3_module / "backend.tf").read_text())["terraform"][0]["backend"][0]['"s3"']
    # Bucket, key and region are the user's, given at init; encryption and locking are not optional.
    assert {k: v for k, v in backend.items() if not k.startswith("__")} == {"encrypt": True, "use_lockfile": True}
    example = (s3_module / "backend.hcl.example").read_text()
    assert f'key    = "{STATE_KEY}"' in example
    assert not (module_dir / "backend.tf").exists(), "without BACKEND the module keeps local state"


@pytest.fixture(scope="module")
def s3_endpoint():
    terraform.require_terraform()
    port = terraform.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    s3.create_bucket(Bucket="state")
    yield url, s3
    server.stop()


def test_init_with_backend_config_then_a_held_lock_stops_a_plan(s3_module, s3_endpoint):
    url, s3 = s3_endpoint
    # What a user's backend.hcl says, plus the settings that point the backend at the local S3.
    (s3_module / "backend.hcl").write_text(
        f'bucket = "state"\nkey = "{STATE_KEY}"\nregion = "us-east-1"\n'
        f'access_key = "fake"\nsecret_key = "fake"\nuse_path_style = true\n'
        f'endpoints = {{ s3 = "{url}", sts = "{url}" }}\n'
        "skip_credentials_validation = true\nskip_requesting_account_id = true\n"
        "skip_metadata_api_check = true\nskip_region_validation = true\n"
    )
    init = terraform.init(s3_module, "-backend-config=backend.hcl")
    assert 'Successfully configured the backend "s3"' in init.stdout

    plan = terraform.plan_json(s3_module, url)
    assert plan["resource_changes"]
    # The plan took the lock and let it go.
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="state").get("Contents", [])]
    assert f"{STATE_KEY}.tflock" not in keys

    s3.put_object(Bucket="state", Key=f"{STATE_KEY}.tflock", Body=b'{"ID": "another-run"}')
    held = terraform.run(s3_module, "plan", "-input=false", "-no-color", "-lock-timeout=0s", check=False)
    assert held.returncode != 0
    assert "Error acquiring the state lock" in held.stderr and "another-run" in held.stderr
