"""`grader serve`: bind, say where (with the token when the address is not loopback), and run
the workbench under uvicorn until Ctrl-C."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Callable, Sequence

from grader.errors import UsageError
from grader.web.classes import ServedClass
from grader.web.security import GuardConfig, is_loopback


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, or one plain line saying why not."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _url(host: str, port: int, token: str | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def serve(
    classes: Sequence[ServedClass],
    host: str,
    port: int,
    user: str,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve `classes` on host:port (port 0: any free port) until interrupted."""
    import uvicorn

    from grader.web.app import create_app

    loopback = is_loopback(host)
    token = None if loopback else secrets.token_urlsafe(32)
    sock = _bind(host, port)
    port = sock.getsockname()[1]
    app = create_app(classes, GuardConfig(port=port, token=token, loopback=loopback), user)
    echo(f"grader serve: {len(classes)} class(es), corrections made as {user!r}")
    for c in classes:
        echo(f"  /c/{c.slug}/  {c.out_dir}  (gradebook {c.gradebook})")
    if loopback:
        echo(f"Open {_url(host, port, None)}")
    else:
        echo(f"Listening on {host}:{port}, not only this machine: every request needs the token.")
        names = [socket.gethostname(), "127.0.0.1"] if host in ("0.0.0.0", "::") else [host]
        for name in names:
            echo(f"Open {_url(name, port, token)}")
    echo("Ctrl-C stops the server.")
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, server_header=False, lifespan="off"
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
