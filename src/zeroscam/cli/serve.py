"""`zeroscam serve` — the HTTP service (uvicorn)."""

from __future__ import annotations

import os
import tempfile
from typing import Annotated

import typer


def run_server(host: str, port: int, workers: int = 1) -> None:
    """Migrate, then serve `zeroscam.app:create_app_from_env` (factory mode for several workers)."""
    import uvicorn

    from zeroscam.cli.db import upgrade_current

    upgrade_current()
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="zeroscam-metrics-")
    uvicorn.run("zeroscam.app:create_app_from_env", factory=True, host=host, port=port, workers=workers,
                access_log=False, log_level="warning", proxy_headers=False)


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
              port: Annotated[int, typer.Option("--port")] = 8000,
              workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1) -> None:
        """Serve the API, the web console and TAXII on http://HOST:PORT (migrates first)."""
        typer.echo(f"zeroscam serving on http://{host}:{port} ({workers} worker{'s' if workers > 1 else ''})")
        run_server(host, port, workers)
