"""The bus archive and its replays (EventBridge StartReplay: archived events go through the rules again)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from chalicelib.aws.clients import client
from local_runtime.console.errors import ConsoleError, not_found


class ReplayRequest(BaseModel):
    """The replay form: which archive, which window of event times, and an optional replay name."""

    model_config = ConfigDict(extra="forbid")

    archive: str | None = None
    start: AwareDatetime
    end: AwareDatetime
    name: str | None = Field(default=None, pattern=r"^[.\-_A-Za-z0-9]{1,64}$")

    @model_validator(mode="after")
    def _window(self) -> ReplayRequest:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class Archive:
    """The archives of one bus, and replays into it."""

    def __init__(self, bus_arn: str) -> None:
        self.bus_arn = bus_arn

    def view(self) -> dict:
        events = client("events")
        archives = []
        for summary in events.list_archives(EventSourceArn=self.bus_arn)["Archives"]:
            archive = events.describe_archive(ArchiveName=summary["ArchiveName"])
            archives.append(
                {
                    "name": archive["ArchiveName"],
                    "state": archive["State"],
                    "eventCount": archive.get("EventCount", 0),
                    "retentionDays": archive.get("RetentionDays"),
                }
            )
        names = {a["name"] for a in archives}
        replays = [
            {
                "name": r["ReplayName"],
                "archive": r["EventSourceArn"].rsplit("/", 1)[-1],
                "state": r["State"],
                "start": _iso(r.get("EventStartTime")),
                "end": _iso(r.get("EventEndTime")),
                "startedAt": _iso(r.get("ReplayStartTime")),
            }
            for r in events.list_replays()["Replays"]
            if r["EventSourceArn"].rsplit("/", 1)[-1] in names
        ]
        return {"bus": self.bus_arn, "archives": archives, "replays": replays}

    def replay(self, request: ReplayRequest) -> dict:
        events = client("events")
        archives = [a["ArchiveName"] for a in events.list_archives(EventSourceArn=self.bus_arn)["Archives"]]
        name = request.archive or (archives[0] if len(archives) == 1 else None)
        if name is None:
            raise ConsoleError(400, "FIELD_REQUIRED", "name the archive to replay", [{"archives": archives}])
        if name not in archives:
            raise not_found("archive", name, archives)
        arn = events.describe_archive(ArchiveName=name)["ArchiveArn"]
        replay_name = request.name or f"console-{uuid.uuid4().hex[:12]}"
        response = events.start_replay(
            ReplayName=replay_name,
            EventSourceArn=arn,
            EventStartTime=request.start,
            EventEndTime=request.end,
            Destination={"Arn": self.bus_arn},
        )
        return {"name": replay_name, "archive": name, "state": response["State"], "arn": response["ReplayArn"]}


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value
