"""`rostergate serve`: run the web app."""

from __future__ import annotations

import argparse
import errno

from aiohttp import web

from gateway.cli.app import App
from gateway.errors import GatewayError
from gateway.web.app import create_app


def cmd_serve(app: App, args: argparse.Namespace) -> int:
    """Serve the gateway until interrupted."""
    app.sessions  # noqa: B018 - fail early, with a clear message, on an uninitialised store
    host = args.host or app.config.host
    port = args.port or app.config.port
    started = f"rostergate serving on http://{host}:{port}/ (admin API under /api/)"
    try:
        # aiohttp calls ``print`` once it listens: the line is not shown for a port in use.
        web.run_app(
            create_app(app.config), host=host, port=port, print=lambda _: print(started, flush=True)
        )
    except OSError as err:
        hint = "; stop the other server or pass --port" if err.errno == errno.EADDRINUSE else ""
        said = err.strerror or str(err)
        raise GatewayError(f"cannot listen on {host}:{port}: {said}{hint}") from err
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the serve command to the CLI."""
    p = sub.add_parser("serve", help="run the web app (push endpoints, admin API)")
    p.add_argument("--host", help="the address to listen on (default: config host, 127.0.0.1)")
    p.add_argument("--port", type=int, help="the port to listen on (default: config port, 8080)")
    p.set_defaults(handler=cmd_serve)
