"""`zeroscam db upgrade` — bring the relational store's schema to the latest migration."""

from __future__ import annotations

import typer


def upgrade_current() -> str:
    """Migrate the configured database; returns its URL without the password."""
    from sqlalchemy.engine import make_url

    from zeroscam.config import get_settings
    from zeroscam.kit.db import migrate

    settings = get_settings()
    if settings.database_url is None:
        settings.ensure_home()
    migrate(settings.relational_url)
    return make_url(settings.relational_url).render_as_string(hide_password=True)


def register(app: typer.Typer) -> None:
    db = typer.Typer(help="The relational store (SQLite under ZEROSCAM_HOME, or ZEROSCAM_DATABASE_URL).",
                     no_args_is_help=True)

    @db.command("upgrade")
    def upgrade() -> None:
        """Run the migrations up to the latest revision."""
        from zeroscam.config import get_settings
        from zeroscam.kit.db import current_revision

        url = upgrade_current()
        typer.echo(f"database {url} at revision {current_revision(get_settings().relational_url)}")

    app.add_typer(db, name="db")
