"""The local stack's settings: defaults here, overridden by LOCAL_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from local_runtime.topology import PROJECT_DIR


@dataclass
class Settings:
    host: str = "127.0.0.1"
    aws_port: int = 4566
    api_port: int = 8000
    stage: str = "local"
    http_log: bool = False
    state_dir: Path = PROJECT_DIR / ".local-state"
    fresh: bool = False
    save_seconds: float = 10.0
    # The handlers' log level over the stage's POWERTOOLS_LOG_LEVEL: WARNING keeps a load test's
    # thousands of INFO lines (and their cost) out of the console.
    handler_log_level: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            host=os.environ.get("LOCAL_HOST", "127.0.0.1"),
            aws_port=int(os.environ.get("LOCAL_AWS_PORT", "4566")),
            api_port=int(os.environ.get("LOCAL_API_PORT", "8000")),
            stage=os.environ.get("LOCAL_STAGE", "local"),
            http_log=os.environ.get("LOCAL_HTTP_LOG", "") not in ("", "0"),
            state_dir=Path(os.environ.get("LOCAL_STATE_DIR") or PROJECT_DIR / ".local-state"),
            fresh=os.environ.get("LOCAL_FRESH", "") not in ("", "0"),
            save_seconds=float(os.environ.get("LOCAL_SAVE_SECONDS", "10")),
            handler_log_level=os.environ.get("LOCAL_LOG_LEVEL") or None,
        )

    def as_environment(self) -> dict[str, str]:
        """These settings as the LOCAL_* variables from_env reads: a child process of the stack gets the same."""
        return {
            "LOCAL_HOST": self.host,
            "LOCAL_AWS_PORT": str(self.aws_port),
            "LOCAL_API_PORT": str(self.api_port),
            "LOCAL_STAGE": self.stage,
            "LOCAL_HTTP_LOG": "1" if self.http_log else "0",
            "LOCAL_STATE_DIR": str(self.state_dir),
            "LOCAL_FRESH": "1" if self.fresh else "0",
            "LOCAL_SAVE_SECONDS": str(self.save_seconds),
            "LOCAL_LOG_LEVEL": self.handler_log_level or "",
        }
