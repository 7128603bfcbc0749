"""The live console is dev-only: nothing of local_runtime reaches the Lambda package."""

import zipfile


def test_the_deployment_package_has_no_console_and_no_local_runtime(module_dir):
    names = zipfile.ZipFile(module_dir / "deployment.zip").namelist()
    assert any(n.startswith("chalicelib/") for n in names)  # the package is the app's
    assert not [n for n in names if n.startswith("local_runtime/") or "_console" in n or "cytoscape" in n]
