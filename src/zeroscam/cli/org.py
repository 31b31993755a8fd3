"""`zeroscam org add|list|key` and `zeroscam user add`: members and their staff."""

from __future__ import annotations

from typing import Annotated

import typer


def _session():
    from zeroscam.cli.db import upgrade_current
    from zeroscam.config import get_settings
    from zeroscam.kit.db import session_scope

    upgrade_current()
    return session_scope(get_settings().relational_url)


def register(app: typer.Typer) -> None:
    org_app = typer.Typer(help="Member organisations and their API keys.", no_args_is_help=True)
    user_app = typer.Typer(help="Member staff logins for the web console.", no_args_is_help=True)

    @org_app.command("add")
    def add(name: Annotated[str, typer.Argument(help="The organisation's name (unique).")],
            org_type: Annotated[str, typer.Option("--type", help="bank|telco|police|regulator|platform|public")],
            bank_code: Annotated[list[str] | None, typer.Option("--bank-code", help="A bank's 3-digit BOT code "
                                                                "(repeat for several).")] = None,
            operator: Annotated[str | None, typer.Option("--operator", help="A telco's operator name, e.g. AIS.")] = None,
            ) -> None:
        """Create an organisation and print its new API key (the last line; shown only once)."""
        from zeroscam.audit.service import record
        from zeroscam.members import service

        with _session() as s:
            org = service.create_org(s, name, org_type, bank_codes=bank_code or [], operator=operator)
            key = service.issue_key(s, org, label="created with org add")
            record(s, "cli", "org.create", f"org:{org.id}",
                   {"name": org.name, "type": org.type, "bank_codes": list(org.codes), "operator": org.operator})
            record(s, "cli", "key.issue", f"org:{org.id}", {})
            typer.echo(f"organisation {org.id} {org.name} ({org.type}) created; its API key (shown once):")
        typer.echo(key)

    @org_app.command("key")
    def new_key(org: Annotated[str, typer.Argument(help="Organisation id or name.")],
                revoke_old: Annotated[bool, typer.Option("--revoke-old", help="Revoke its other keys.")] = False,
                ) -> None:
        """Issue another API key for an organisation (printed as the last line)."""
        from zeroscam.audit.service import record
        from zeroscam.members import service

        with _session() as s:
            o = service.find_org(s, org)
            revoked = service.revoke_keys(s, o) if revoke_old else 0
            key = service.issue_key(s, o)
            record(s, "cli", "key.issue", f"org:{o.id}", {"revoked": revoked})
        typer.echo(key)

    @org_app.command("list")
    def list_() -> None:
        """List the organisations."""
        from zeroscam.members import service

        with _session() as s:
            for o in service.list_orgs(s):
                extra = ",".join(o.codes) or (o.operator or "")
                typer.echo(f"{o.id}\t{o.name}\t{o.type}\t{extra}")

    @user_app.command("add")
    def user_add(org: Annotated[str, typer.Argument(help="Organisation id or name.")],
                 username: Annotated[str, typer.Argument()],
                 role: Annotated[str, typer.Option("--role", help="analyst or admin")] = "analyst",
                 password: Annotated[str | None, typer.Option("--password", help="Prompted when omitted.")] = None,
                 ) -> None:
        """Create a staff login (argon2 password hash)."""
        from zeroscam.audit.service import record
        from zeroscam.members import service

        if password is None:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        with _session() as s:
            o = service.find_org(s, org)
            user = service.create_user(s, o, username, password, role)
            record(s, "cli", "user.create", f"org:{o.id}", {"username": user.username, "role": role})
            typer.echo(f"user {user.username} ({role}) of {o.name} created")

    app.add_typer(org_app, name="org")
    app.add_typer(user_app, name="user")
