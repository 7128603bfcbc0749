"""`python -m local_runtime up|aws`: run the system, or only the embedded AWS, until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from local_runtime.stack import LocalStack, Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_runtime", description=__doc__)
    parser.add_argument("command", choices=["up", "aws"], help="up: everything; aws: embedded AWS and tables only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)-8s %(message)s", datefmt="%H:%M:%S")
    # One line per meaningful event: the emulator's and botocore's chatter stays out.
    for noisy in ("werkzeug", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    stack = LocalStack(Settings.from_env(), with_api=args.command == "up")
    try:
        stack.start()
    except OSError as error:
        logging.getLogger("local").error("could not start: %s (is another stack running? set LOCAL_*_PORT)", error)
        stack.stop()
        return 1
    print("ready: press Ctrl-C to stop", flush=True)
    stop.wait()
    stack.stop()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
