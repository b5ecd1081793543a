"""``python -m domsync``: serve the demo page (see :mod:`domsync.demo`);
``python -m domsync serve module:attr [--workers N] ...``: serve an app, in one process
or several; ``python -m domsync proxy-config nginx|haproxy ...``: the proxy's
configuration for workers (see :mod:`domsync.workers`)."""

from __future__ import annotations

import argparse
import sys

from .demo import create_demo_server
from .exceptions import ListenError


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: the process's); the exit status."""
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["serve"]:
        from .workers import serve_main

        return serve_main(argv[1:])
    if argv[:1] == ["proxy-config"]:
        from .workers import proxy_config_main

        return proxy_config_main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m domsync",
        description="Serve domsync's demo page: a counter, live text, a clock, a list and a "
                    "notification, all made in Python. Open the URL it prints; Ctrl-C stops it. To serve your "
                    "own app, in one process or several: python -m domsync serve --help (and proxy-config --help).",
    )
    parser.add_argument("--host", default="localhost",
                        help="the interface to listen on (default: localhost; 0.0.0.0 for every one)")
    parser.add_argument("--port", type=int, default=8888, help="the port to listen on (default: 8888)")
    options = parser.parse_args(argv)
    if not 0 <= options.port <= 65535:
        parser.error(f"--port must be from 0 to 65535, not {options.port}")
    try:
        create_demo_server(options.host, options.port)._run()
    except ListenError as exc:  # the port is taken, or the host is not ours: one line
        print(f"python -m domsync: cannot listen on {exc.address}: {exc.reason}; choose another with --port "
              f"or --host", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
