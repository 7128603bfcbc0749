"""Step Functions executions with the path of states each one took (GetExecutionHistory)."""

from __future__ import annotations

from datetime import datetime

from chalicelib.aws.clients import client

# The newest executions per state machine that the console shows.
LIMIT = 20


def state_path(history: list[dict]) -> list[dict]:
    """The states an execution entered, in order, each with how it ended (succeeded, failed, caught)."""
    path: list[dict] = []
    for event in history:
        if "stateEnteredEventDetails" in event:
            path.append({"state": event["stateEnteredEventDetails"]["name"], "outcome": "running"})
        elif "stateExitedEventDetails" in event and path:
            path[-1]["outcome"] = "exited"
        elif event.get("type", "").endswith("Failed") and path:
            path[-1]["outcome"] = "failed"
    return path


class Executions:
    """The newest executions of every state machine; a finished one's path is read once, then kept."""

    def __init__(self) -> None:
        # An open console asks every few seconds: a finished execution's history no longer changes.
        self._finished: dict[str, list[dict]] = {}

    def recent(self) -> list[dict]:
        """Newest first, each with its state path."""
        sfn = client("stepfunctions")
        rows = []
        for machine in sfn.list_state_machines()["stateMachines"]:
            listed = sfn.list_executions(stateMachineArn=machine["stateMachineArn"], maxResults=LIMIT)["executions"]
            for execution in listed:
                rows.append(
                    {
                        "stateMachine": machine["name"],
                        "name": execution["name"],
                        "status": execution["status"],
                        "startedAt": _iso(execution.get("startDate")),
                        "stoppedAt": _iso(execution.get("stopDate")),
                        "path": self._path(sfn, execution),
                    }
                )
        rows.sort(key=lambda row: row["startedAt"] or "", reverse=True)
        return rows[:LIMIT]

    def _path(self, sfn, execution: dict) -> list[dict]:
        arn = execution["executionArn"]
        if arn in self._finished:
            return self._finished[arn]
        path = state_path(sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"])
        if execution["status"] != "RUNNING":
            self._finished[arn] = path
        return path


def _iso(value) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value
