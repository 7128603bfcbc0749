"""The embedded AWS's own process: moto's server, with the corrections the local stack needs.

`emulator.EmbeddedAws` runs this module as its child. Each module in
`local_runtime/emulator_patches/` changes one service's behaviour where moto differs from
AWS in a way the local stack must not; each is installed before the server starts.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback

from local_runtime import start_gc


def _console_log() -> None:
    """Our patches' lines (state restored, saved) reach the stack's console; moto's own chatter does not."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)-8s %(message)s", datefmt="%H:%M:%S"))
    ours = logging.getLogger("emulator")
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


# Each request's thread waits on its socket, then queues for the GIL; CPython's default 5 ms
# interval made that queue most of a short request's time under load (see local_runtime/stack.py).
SWITCH_INTERVAL_SECONDS = 0.001


def main(argv: list[str] | None = None) -> None:
    start_gc.pause()
    from moto import server

    from local_runtime.emulator_patches import install_all, stop_all

    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    _console_log()
    install_all()  # the saved state is restored here too
    start_gc.resume()
    code = 0
    try:
        server.main(argv if argv is not None else sys.argv[1:])
    except SystemExit as stop:  # moto turns SIGTERM and SIGINT into this
        code = stop.code if isinstance(stop.code, int) else 0
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        stop_all()
    # Now, not after the workflow threads moto leaves running (up to their retries' backoff).
    logging.shutdown()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
