"""The running local stack serves its OpenAPI spec and Swagger UI, and schemathesis finds nothing wrong with it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from jsonschema import Draft202012Validator, ValidationError
from openapi_spec_validator import validate

from chalicelib.api.openapi import build_spec
from local_runtime.api_docs import swagger_ui_dir
from tests.integration.test_payments_flow import new_order, outcome, payment_for

PROJECT_DIR = Path(__file__).resolve().parents[2]
REPORT = PROJECT_DIR / "build" / "schemathesis.txt"


def test_make_dev_prints_where_the_docs_are(stack):
    assert f"Swagger UI {stack.api}/docs" in stack.output()


def test_openapi_json_is_the_spec_and_valid(stack):
    response = stack.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    served = response.json()
    validate(served)
    assert served == build_spec()


def test_docs_page_loads_swagger_ui_from_local_assets(stack):
    page = stack.get("/docs")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/docs/swagger-ui-bundle.js" in assets
    assert all(a.startswith("/docs/") for a in assets), "every asset is served locally: /docs works offline"
    assert 'url: "/openapi.json"' in page.text
    for asset in assets:
        answer = stack.get(asset)
        assert answer.status_code == 200, asset
        assert answer.content == (swagger_ui_dir() / asset.removeprefix("/docs/")).read_bytes()
    # Swagger UI 5 renders OpenAPI 3.1 (4.x does not).
    assert (swagger_ui_dir() / "VERSION").read_text().strip().startswith("v5.")


def test_docs_serve_only_their_own_files(stack):
    for path in ("/docs/../app.py", "/docs/VERSION", "/docs/oauth2-redirect.html", "/openapi.yaml"):
        response = stack.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "ROUTE_NOT_FOUND"


def test_other_methods_on_docs_paths_are_the_apps(stack):
    response = requests.post(stack.api + "/openapi.json", json={}, timeout=10)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ROUTE_NOT_FOUND"


def test_methods_http_server_has_no_handler_for_get_the_apps_405(stack):
    for method in ("TRACE", "QUERY"):
        response = requests.request(method, stack.api + "/orders", timeout=10)
        assert response.status_code == 405, method
        assert response.headers["Allow"] == "GET, POST"
        assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def _conforms(spec: dict, path: str, method: str, response) -> None:
    """``response`` is one the spec declares for the operation, with that status's body schema."""
    declared = spec["paths"][path][method]["responses"][str(response.status_code)]
    schema = declared["content"]["application/json"]["schema"]
    Draft202012Validator({**schema, "components": spec["components"]}).validate(response.json())


def test_answers_schemathesis_seldom_reaches_conform_to_the_spec(stack):
    """Payment outcomes and reports need time or a schedule to exist; here they are made first."""
    spec = build_spec()
    order = new_order(stack)
    paid, wrong = payment_for(order), payment_for(order, amount="0.01")
    for payment in (paid, wrong):
        assert stack.post("/payments", payment).status_code == 202
    assert outcome(stack, paid["paymentId"])["status"] == "PROCESSED"
    assert outcome(stack, wrong["paymentId"])["status"] == "REJECTED"
    for payment in (paid, wrong):
        _conforms(spec, "/payments/{payment_id}", "get", stack.get(f"/payments/{payment['paymentId']}"))
    today = str(datetime.now(UTC).date())
    _conforms(spec, "/analytics/events/{day}", "get", stack.get(f"/analytics/events/{today}"))
    tomorrow_nine = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT09:00:00Z")
    fired = stack.fire_schedule("daily_report", tomorrow_nine)
    assert fired.returncode == 0, fired.stderr
    report = stack.get(f"/reports/daily/{today}")
    assert report.status_code == 200
    _conforms(spec, "/reports/daily/{day}", "get", report)
    with pytest.raises(ValidationError):  # the check is real: a body of another shape fails it
        Draft202012Validator({"$ref": "#/components/schemas/DailyReport", "components": spec["components"]}).validate(
            {**report.json(), "orders": "1"}
        )


def test_schemathesis_finds_no_failure(stack):
    """Every phase (examples, coverage, fuzzing, stateful via links) with schemathesis.toml's bounds."""
    REPORT.parent.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), "NO_COLOR": "1"}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("st")), "run", f"{stack.api}/openapi.json", "--url", stack.api],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    REPORT.write_text(result.stdout + result.stderr)
    assert result.returncode == 0, f"schemathesis failed (full output in {REPORT}):\n{result.stdout[-6000:]}"
    generated = re.search(r"(\d+) generated", result.stdout)
    assert generated and int(generated.group(1)) > 300, result.stdout[-2000:]
    for phase in ("Coverage", "Fuzzing", "Stateful"):
        assert re.search(rf"✅\s+{phase}", result.stdout), f"{phase} phase did not pass:\n{result.stdout[-3000:]}"
    print(f"schemathesis: {generated.group(1)} test cases generated")
