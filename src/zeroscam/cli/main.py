"""The `zeroscam` command. Each command group lives in its own module under cli/
with a `register(app)` function; this module only assembles them and turns
errors into one clean line on stderr (CLI.md: never a traceback for bad input).
"""

from __future__ import annotations

import importlib
import sys

import typer

from zeroscam.kit.errors import ZeroscamError

app = typer.Typer(
    name="zeroscam",
    help="zeroscam — the anti-scam alliance platform: detect mule accounts and SIMs, "
    "follow the money, expose rings, serve real-time checks and share intelligence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
)

# Command modules, each with register(app). Listed, not discovered, so that the
# command surface is visible in one place.
COMMAND_MODULES = [
    "simulate",   # zeroscam simulate
    "evaluate",   # zeroscam evaluate
    "detect",     # zeroscam detect mules|sims
    "trace",      # zeroscam trace
    "rings",      # zeroscam rings
    "importers",  # zeroscam import amlworld|pacs008
    "load",       # zeroscam load
    "serve",      # zeroscam serve
    "org",        # zeroscam org add|list, zeroscam user add
    "audit",      # zeroscam audit verify
    "db",         # zeroscam db upgrade
    "demo",       # zeroscam demo
    "sharing",    # zeroscam sharing ... (STIX/TAXII helpers)
]

for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"zeroscam.cli.{_name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"zeroscam.cli.{_name}":
            continue  # not built yet
        raise
    _module.register(app)


def run() -> None:
    """Console-script entry point."""
    try:
        app(standalone_mode=True)
    except ZeroscamError as exc:
        print(f"zeroscam: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("zeroscam: interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    run()
