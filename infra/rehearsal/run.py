"""The rehearsal's steps: build for this host, start MiniStack, apply what it can create, smoke-test, destroy."""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass, field
from pathlib import Path

from infra import build
from infra.rehearsal import gaps, smoke
from infra.rehearsal.emulator import EmulatorFailed, MiniStack
from infra.rehearsal.terraform import (
    OVERRIDE_FILE,
    Terraform,
    TerraformFailed,
    managed_instances,
    override,
    planned_creates,
)

# Lambda's names for the machine types Python reports.
HOST_ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


def host_architecture() -> str:
    machine = platform.machine().lower()
    if machine not in HOST_ARCHITECTURES:
        raise SystemExit(f"no Lambda architecture runs on this host's {machine!r}")
    return HOST_ARCHITECTURES[machine]


@dataclass
class Report:
    """What the rehearsal saw; ``failures`` empty means it passed."""

    planned: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)
    smoke: list[smoke.Result] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [
            f"planned   {len(self.planned):>4} resources",
            f"created   {len(self.created):>4}",
            f"gaps      {len(self.left_out):>4}  known emulator gaps, not applied:",
        ]
        out += [f"  {address:<50} {reason}" for address, reason in sorted(self.left_out.items())]
        for result in self.smoke:
            out.append(
                f"smoke {'ok  ' if result.ok else 'FAIL'} {result.name:<30} {result.seconds:5.1f} s  {result.detail}"
            )
        out += [f"note: {note}" for note in self.notes]
        out.append("time      " + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in self.timings.items()))
        out += [f"FAILED: {failure}" for failure in self.failures]
        out.append("rehearsal " + ("FAILED" if self.failures else "passed"))
        return out


class Rehearsal:
    def __init__(self, project: Path, stage: str, workdir: Path, python: Path, apply_timeout: float) -> None:
        self.project = project
        self.stage = stage
        self.workdir = workdir
        self.module = workdir / "module"
        self.emulator = MiniStack(python, workdir / "emulator")
        self.terraform = Terraform(self.module, workdir / "logs")
        self.apply_timeout = apply_timeout
        self.report = Report()
        self.started = time.monotonic()

    def _timed(self, step: str, started: float) -> None:
        self.report.timings[step] = time.monotonic() - started

    def run(self) -> Report:
        architecture = host_architecture()
        step = time.monotonic()
        build.build(self.project, self.stage, self.module, architecture=architecture)
        self._timed("build", step)
        print(f"rehearsal: module for stage {self.stage} ({architecture}) in {self.module}")
        applied = False
        try:
            self.emulator.start()
            print(f"rehearsal: MiniStack {self.emulator.version()} on {self.emulator.endpoint}")
            (self.module / OVERRIDE_FILE).write_text(override(self.emulator.endpoint))
            self.report.notes.append(
                f"{OVERRIDE_FILE} points the provider at the emulator and turns the tables' deletion protection off"
            )
            step = time.monotonic()
            self.terraform.init()
            selection = gaps.select(gaps.Graph.parse(self.terraform.graph()))
            self.report.planned = planned_creates(self.terraform.plan())
            self.report.left_out = {
                a: selection.reason(gaps.resource_of(a))
                for a in self.report.planned
                if selection.left_out(gaps.resource_of(a))
            }
            self._timed("plan", step)
            print(
                f"rehearsal: applying {len(self.report.planned) - len(self.report.left_out)} resources, "
                f"leaving out {len(self.report.left_out)} known gaps"
            )
            step = time.monotonic()
            applied = True
            try:
                self.terraform.apply(selection.targets, timeout=self.apply_timeout)
            finally:
                self._timed("apply", step)
                self.report.created = managed_instances(self.terraform.state())
            expected = set(self.report.planned) - set(self.report.left_out)
            if set(self.report.created) != expected:
                missing = sorted(expected - set(self.report.created))
                extra = sorted(set(self.report.created) - expected)
                self.report.failures.append(f"applied state differs from the plan: missing {missing}, extra {extra}")
            step = time.monotonic()
            self.report.smoke = self._smoke()
            self._timed("smoke", step)
            self.report.failures += [f"smoke: {r.name}: {r.detail}" for r in self.report.smoke if not r.ok]
        except (TerraformFailed, EmulatorFailed, gaps.StaleGapList, OSError) as exc:
            self.report.failures.append(str(exc))
        finally:
            if applied:
                self._destroy()
            self.emulator.stop()
            self.report.timings["total"] = time.monotonic() - self.started
        return self.report

    def _smoke(self) -> list[smoke.Result]:
        state = self.terraform.state()
        functions = {
            r["name"]: r["values"]["function_name"]
            for r in (state.get("values") or {}).get("root_module", {}).get("resources", [])
            if r.get("mode") == "managed" and r["type"] == "aws_lambda_function"
        }
        deployment = smoke.Deployment(outputs=self.terraform.outputs(), functions=functions)
        return smoke.Smoke(self.emulator.endpoint, deployment).run()

    def _destroy(self, timeout: float = 300) -> None:
        """Destroys everything applied; a second pass forgets what the emulator already removed."""
        step = time.monotonic()
        for attempt in (1, 2):
            try:
                self.terraform.destroy(attempt, timeout=timeout)
                break
            except TerraformFailed as exc:
                if attempt == 2:
                    self.report.failures.append(f"destroy: {exc}")
                else:
                    first_line = str(exc).splitlines()[-1][:240]
                    self.report.notes.append(f"destroy needed a second pass; the first said: {first_line}")
        try:
            left = managed_instances(self.terraform.state())
        except TerraformFailed as exc:
            left = [str(exc)]
        if left:
            self.report.failures.append(f"destroy left {len(left)} resources: {left[:5]}")
        self._timed("destroy", step)
