"""The Chalice app, loaded as `chalice local --stage` loads it."""

from __future__ import annotations

import os

from chalice.cli.factory import CLIFactory

from local_runtime.topology import PROJECT_DIR


def load_app(stage: str, handler_log_level: str | None = None):
    """app.py with the stage's environment applied; returns (app, config)."""
    factory = CLIFactory(str(PROJECT_DIR), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name=stage)
    environment = dict(config.environment_variables)
    if handler_log_level:
        environment["POWERTOOLS_LOG_LEVEL"] = handler_log_level
    app = factory.load_chalice_app(environment_variables=environment)
    return app, config
