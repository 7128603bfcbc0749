"""`python -m local_runtime up|aws|fire`: run the system, only the embedded AWS, or fire a schedule now."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from datetime import datetime
from typing import TYPE_CHECKING

from local_runtime import start_gc

if TYPE_CHECKING:  # imported in main(), once the collector is paused
    from local_runtime.settings import Settings


def _serve(settings: Settings, everything: bool) -> int:
    from local_runtime import topology, topology_check
    from local_runtime.faults import FaultSpecError
    from local_runtime.stack import LocalStack
    from topology import TopologyError, catalog_check

    # The declaration's schema first, then what AWS would reject, then the catalog (which reads
    # patterns as AWS accepts them).
    try:
        declared = topology.model()
        topology_check.check()
        catalog_check.check(declared, topology.TOPOLOGY_FILE)
    except TopologyError as error:
        logging.getLogger("local").error("not starting: bad topology: %s", error)
        return 2
    except topology_check.InvalidTopology as error:
        logging.getLogger("local").error("not starting: AWS would reject %s:\n%s", topology.TOPOLOGY_FILE, error)
        return 2
    stack = LocalStack(settings, with_api=everything)
    # The handler only flips a flag: Event.set() from a handler can deadlock on the Event's own lock
    # when the signal lands while the main thread holds it, and the main loop below looks every
    # 0.2 s, because a signal the kernel delivers to another thread never wakes a blocked wait.
    signalled: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda number, _frame: signalled.append(number))
    try:
        stack.start()
    except FaultSpecError as error:
        logging.getLogger("local").error("not starting: %s", error)
        stack.stop()
        return 2
    except OSError as error:
        logging.getLogger("local").error("could not start: %s (is another stack running? set LOCAL_*_PORT)", error)
        stack.stop()
        return 1
    start_gc.resume()
    print("ready: press Ctrl-C to stop", flush=True)
    while not signalled and not stack.done.wait(0.2):
        pass
    stack.stop()
    print("stopped", flush=True)
    return stack.exit_code


def _fire(settings: Settings, function: str, at: str | None) -> int:
    """Invoke a scheduled function once, now, against the running stack's embedded AWS."""
    from chalice.app import ScheduledEventConfig

    from chalicelib.aws import clients
    from local_runtime import faults
    from local_runtime.chalice_app import load_app
    from local_runtime.emulator import point_boto3_at
    from local_runtime.invoke import Invoker
    from local_runtime.schedules import Schedule

    app, config = load_app(settings.stage, settings.handler_log_level)
    point_boto3_at(f"http://{settings.host}:{settings.aws_port}")
    clients.reset()
    schedules = {s.name: s for s in app.event_sources if isinstance(s, ScheduledEventConfig)}
    if function not in schedules:
        print(f"no scheduled function {function!r}; scheduled: {', '.join(sorted(schedules)) or 'none'}")
        return 2
    invoker = Invoker(app, config.app_name, settings.stage, faults=faults.from_env(os.environ))
    schedule = Schedule(invoker, function, schedules[function].schedule_expression, invoker.schedule_rule_arn(function))
    result = schedule.fire(datetime.fromisoformat(at.replace("Z", "+00:00")) if at else None)
    print(json.dumps(result, indent=2, default=str))
    return 0 if result is not None else 1


def main(argv: list[str] | None = None) -> int:
    start_gc.pause()  # resumed once the stack is ready; `fire` ends before it matters
    from local_runtime.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m local_runtime", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="embedded AWS, local runtime and API, until Ctrl-C")
    commands.add_parser("aws", help="only the embedded AWS with every declared resource, until Ctrl-C")
    fire = commands.add_parser("fire", help="fire a scheduled function now, against a running stack")
    fire.add_argument("function", help="the Chalice function name, e.g. daily_report")
    fire.add_argument("--at", help="the schedule's time (ISO 8601, UTC); default now")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)-8s %(message)s", datefmt="%H:%M:%S")
    # One line per meaningful event: the emulator's and botocore's chatter stays out.
    for noisy in ("werkzeug", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    settings = Settings.from_env()
    if args.command == "fire":
        return _fire(settings, args.function, args.at)
    return _serve(settings, everything=args.command == "up")


if __name__ == "__main__":
    sys.exit(main())
