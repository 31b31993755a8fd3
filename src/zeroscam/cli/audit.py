"""`zeroscam audit verify|list` — the hash-chained audit log."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    audit = typer.Typer(help="The audit log of disclosures and administrative acts.", no_args_is_help=True)

    @audit.command("verify")
    def verify() -> None:
        """Check the hash chain; exit 1 naming the first changed, removed or reordered entry."""
        from zeroscam.audit import service
        from zeroscam.config import get_settings
        from zeroscam.kit.db import session_scope
        from zeroscam.kit.errors import ZeroscamError

        with session_scope(get_settings().relational_url) as s:
            result = service.verify(s)
        if not result.ok:
            err = ZeroscamError(f"audit log broken: {result.problem}")
            err.exit_code = 1
            raise err
        typer.echo(f"audit log intact: {result.entries} entries, head {result.head}")

    @audit.command("list")
    def list_(limit: Annotated[int, typer.Option("--limit")] = 20,
              action: Annotated[str | None, typer.Option("--action")] = None) -> None:
        """Show the latest entries."""
        import orjson

        from zeroscam.audit import service
        from zeroscam.config import get_settings
        from zeroscam.kit.db import session_scope

        with session_scope(get_settings().relational_url) as s:
            for e in service.list_entries(s, limit=limit, action=action):
                typer.echo(f"{e.seq}\t{e.ts.isoformat(timespec='seconds')}\t{e.actor}\t{e.action}\t{e.subject}\t"
                           f"{orjson.dumps(e.detail).decode()}")

    app.add_typer(audit, name="audit")
