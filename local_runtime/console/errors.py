"""The console's JSON errors: the API's shape, {"error": {"code", "message", "details"}}, with stable codes."""

from __future__ import annotations


class ConsoleError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def not_found(what: str, name: str, known) -> ConsoleError:
    return ConsoleError(404, "NOT_FOUND", f"no {what} {name!r}", [{"known": sorted(known)}])
