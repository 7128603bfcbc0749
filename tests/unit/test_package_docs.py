"""Package docstrings say which modules talk to AWS; this keeps them true."""

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
# The modules chalicelib/aws/__init__.py and chalicelib/orders/__init__.py name as importing boto3.
ALLOWED = {"chalicelib/idempotency.py", "chalicelib/orders/repository.py", "chalicelib/payments/repository.py"}


def test_only_the_adapters_import_boto3():
    importing = {
        str(path.relative_to(PROJECT))
        for path in (PROJECT / "chalicelib").rglob("*.py")
        if any(line.startswith(("import boto", "from boto")) for line in path.read_text().splitlines())
    }
    assert {p for p in importing if not p.startswith("chalicelib/aws/")} <= ALLOWED
