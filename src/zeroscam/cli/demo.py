"""`zeroscam demo`: a ready-to-try platform on http://127.0.0.1:8000.

Sets up the home (`./zeroscam-data` unless ZEROSCAM_HOME says otherwise), builds a
demo world once (`zeroscam simulate --scale small --seed 7`, or the hand-made tiny
example when there is no simulator), creates demo members with known staff logins
and API keys, loads the world, and serves. Running it again reuses all of it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

# name, type, bank codes, operator, staff username, password
DEMO_ORGS = [
    ("AOC (demo)", "police", [], None, "aoc-analyst", "demo-aoc-2025"),
    ("Siam Commercial Bank (demo)", "bank", ["014"], None, "scb-analyst", "demo-scb-2025"),
    ("Kasikornbank (demo)", "bank", ["004"], None, "kbank-analyst", "demo-kbank-2025"),
    ("AIS (demo)", "telco", [], "AIS", "ais-analyst", "demo-ais-2025"),
    ("Bank of Thailand (demo)", "regulator", [], None, "bot-analyst", "demo-bot-2025"),
]
DEMO_ADMIN = ("AOC (demo)", "aoc-admin", "demo-admin-2025")


def find_tiny_example() -> Path | None:
    """The hand-made example folder: $ZEROSCAM_EXAMPLES/tiny or ../shared/examples/tiny from the repo."""
    from zeroscam.kit.db import REPO_ROOT

    candidates = []
    if os.environ.get("ZEROSCAM_EXAMPLES"):
        candidates.append(Path(os.environ["ZEROSCAM_EXAMPLES"]) / "tiny")
    for base in (REPO_ROOT, Path.cwd()):
        candidates += [base.parent / "shared" / "examples" / "tiny", base / "shared" / "examples" / "tiny",
                       base / "examples" / "tiny"]
    for c in candidates:
        if (c / "accounts.csv").exists() or (c / "reports.jsonl").exists():
            return c
    return None


def build_world(world: Path, scale: str, seed: int) -> str:
    """Make the demo world once; returns how it was made."""
    if world.is_dir() and any(world.glob("*.csv")) or (world / "reports.jsonl").exists():
        return "reused"
    tmp = world.with_name(world.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    r = subprocess.run([sys.executable, "-m", "zeroscam", "simulate", "--out", str(tmp), "--scale", scale,
                        "--seed", str(seed)], capture_output=True, text=True)
    if r.returncode == 0 and tmp.is_dir():
        tmp.rename(world)
        return f"simulated ({scale}, seed {seed})"
    shutil.rmtree(tmp, ignore_errors=True)
    tiny = find_tiny_example()
    if tiny is None:
        from zeroscam.kit.errors import ZeroscamError

        raise ZeroscamError("no simulator and no example folder (../shared/examples/tiny) to build a demo world")
    shutil.copytree(tiny, world)
    for f in world.rglob("*"):
        f.chmod(0o644 if f.is_file() else 0o755)
    return f"copied from {tiny} (the simulator was not available)"


def setup_members(settings) -> dict[str, str]:
    """Create the demo orgs and logins if missing; API keys are kept in home/demo-keys.json."""
    from zeroscam.audit.service import record
    from zeroscam.kit.db import session_scope
    from zeroscam.kit.errors import NotFound
    from zeroscam.members import service

    keys_file = settings.home / "demo-keys.json"
    keys = json.loads(keys_file.read_text()) if keys_file.exists() else {}
    with session_scope(settings.relational_url) as s:
        for name, org_type, codes, operator, username, password in DEMO_ORGS:
            try:
                org = service.find_org(s, name)
            except NotFound:
                org = service.create_org(s, name, org_type, bank_codes=codes, operator=operator)
                record(s, "demo", "org.create", f"org:{org.id}", {"name": name, "type": org_type})
            if name not in keys or service.authenticate_key(s, keys[name]) is None:
                keys[name] = service.issue_key(s, org, label="demo")
            if service.authenticate_user(s, username, password) is None:
                service.create_user(s, org, username, password, "analyst")
        org = service.find_org(s, DEMO_ADMIN[0])
        if service.authenticate_user(s, DEMO_ADMIN[1], DEMO_ADMIN[2]) is None:
            service.create_user(s, org, DEMO_ADMIN[1], DEMO_ADMIN[2], "admin")
    fd = os.open(keys_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(keys, f, indent=1)
    return keys


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
             port: Annotated[int, typer.Option("--port")] = 8000,
             scale: Annotated[str, typer.Option("--scale", help="Simulator scale for a new world.")] = "small",
             seed: Annotated[int, typer.Option("--seed")] = 7,
             world: Annotated[Path | None, typer.Option("--world", help="Use this AXF folder instead.")] = None,
             serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve when ready.")] = True) -> None:
        """Set up a demo (world, members, logins, load) and serve it; re-runnable."""
        from sqlalchemy import select

        from zeroscam.cli.db import upgrade_current
        from zeroscam.config import get_settings
        from zeroscam.ingest.models import LoadRun
        from zeroscam.ingest.pipeline import load
        from zeroscam.kit.db import session_scope

        settings = get_settings()
        settings.ensure_home()
        upgrade_current()
        if world is None:
            world = settings.home / "demo-world"
            how = build_world(world, scale, seed)
        else:
            how = "given"
        typer.echo(f"demo world: {world} ({how})")
        keys = setup_members(settings)  # before the load, so hold requests reach the demo banks
        with session_scope(settings.relational_url) as s:
            loaded = s.scalar(select(LoadRun.id).where(LoadRun.source == str(world.resolve())[:500]).limit(1))
        if loaded is None:
            result = load(settings, world)
            typer.echo(f"loaded: {result.new_reports} reports, {result.holds} hold requests, "
                       f"{result.risk_entries} risk entries")
            from zeroscam.cli.sharing import publish_now, read_rings

            rings_csv = settings.analytics_dir / "rings.csv"
            published, versions = publish_now(ring_map=read_rings(rings_csv) if rings_csv.exists() else None)
            typer.echo(f"published to TAXII: {published.created} indicators, {versions} object versions")
        else:
            typer.echo("loaded already (delete the home folder to start over)")
        typer.echo("")
        typer.echo(f"zeroscam demo on http://{host}:{port}   (home: {settings.home})")
        typer.echo("staff logins for the console at /app/:")
        for name, _t, _c, _o, username, password in DEMO_ORGS:
            typer.echo(f"  {username:14} / {password:18} {name}")
        typer.echo(f"  {DEMO_ADMIN[1]:14} / {DEMO_ADMIN[2]:18} {DEMO_ADMIN[0]} (admin)")
        typer.echo("API keys (Authorization: Bearer <key>):")
        for name, key in keys.items():
            typer.echo(f"  {name:30} {key}")
        some_key = keys[DEMO_ORGS[1][0]]
        typer.echo("try: curl -s -H 'Authorization: Bearer " + some_key + f"' -d '{{\"items\":[{{\"type\":"
                   f"\"bank_account\",\"value\":\"014-9876543210\"}}]}}' http://{host}:{port}/v1/check")
        if serve:
            from zeroscam.cli.serve import run_server

            run_server(host, port)
