"""`zeroscam sharing publish|export-bundle|import-bundle|labels`: STIX/TAXII helpers."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated

import typer


def _session():
    from zeroscam.cli.db import upgrade_current
    from zeroscam.config import get_settings
    from zeroscam.kit.db import session_scope

    upgrade_current()
    return session_scope(get_settings().relational_url)


def read_rings(path: Path) -> dict[tuple[str, str], str]:
    """rings.csv (`entity_type,entity,ring_id`, AXF.md) → {(kind, canonical): ring_id} for accounts and numbers."""
    from zeroscam import identifiers
    from zeroscam.kit.errors import DataError, IdentifierError

    kinds = {"account": "bank_account", "msisdn": "phone"}
    out: dict[tuple[str, str], str] = {}
    try:
        f = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read: {exc.strerror}", file=str(path)) from None
    with f:
        reader = csv.DictReader(f)
        missing = {"entity_type", "entity", "ring_id"} - set(reader.fieldnames or [])
        if missing:
            raise DataError(f"missing columns {', '.join(sorted(missing))}", file=str(path), line=1)
        for line, row in enumerate(reader, start=2):
            kind = kinds.get((row["entity_type"] or "").strip())
            if kind is None:
                continue  # holders are not shared
            try:
                value = identifiers.normalize(kind, row["entity"])
            except IdentifierError as exc:
                raise DataError(exc.reason, file=str(path), line=line, column="entity", value=row["entity"]) from None
            if not (row["ring_id"] or "").strip():
                raise DataError("empty ring_id", file=str(path), line=line, column="ring_id", value=row["ring_id"])
            out[(kind, value)] = row["ring_id"].strip()
    return out


def publish_now(threshold: float = 0.8, levels: dict | None = None, ring_map: dict | None = None,
                bar=None) -> tuple:
    """Refresh the platform's indicators from risk and publish new object versions (one transaction).

    Used by `zeroscam sharing publish` and by `zeroscam demo`, so the demo's feeds are not empty."""
    from zeroscam.audit.service import record
    from zeroscam.config import get_settings
    from zeroscam.kit.timeutil import utcnow
    from zeroscam.sharing import service

    settings = get_settings()
    now = utcnow()
    advance = bar.advance if bar is not None else (lambda *_a, **_k: None)
    with _session() as s:
        kwargs = {"tlp_by_kind": levels} if levels else {}
        result = service.refresh_from_risk(s, now, threshold=threshold, alliance_key=settings.alliance_key(),
                                           rings=ring_map, **kwargs)
        advance("indicators")
        written = service.publish_all(s, now)
        advance("objects")
        record(s, "cli", "sharing.publish", "indicators",
               {"created": result.created, "updated": result.updated, "revoked": result.revoked,
                "versions": written})
    return result, written


def register(app: typer.Typer) -> None:
    sharing = typer.Typer(help="Share intelligence: STIX 2.1 objects behind the TAXII 2.1 server.",
                          no_args_is_help=True)

    @sharing.command("publish")
    def publish(
        threshold: Annotated[float, typer.Option("--threshold", help="Publish identifiers whose own evidence "
                                                 "(reports, detectors) scores at least this (0..1).")] = 0.8,
        rings: Annotated[Path | None, typer.Option("--rings", help="rings.csv from `zeroscam rings`: publish "
                                                   "rings as intrusion-sets.", dir_okay=False)] = None,
        tlp_accounts: Annotated[str, typer.Option("--tlp-accounts", help="TLP of platform account indicators.")] = "amber",
        tlp_numbers: Annotated[str, typer.Option("--tlp-numbers", help="TLP of platform number indicators.")] = "green",
        tlp_urls: Annotated[str, typer.Option("--tlp-urls", help="TLP of platform URL and domain indicators.")] = "clear",
    ) -> None:
        """Refresh the platform's indicators from risk, then publish new object versions to the feeds."""
        from zeroscam.kit.errors import DataError
        from zeroscam.kit.progress import steps
        from zeroscam.sharing.tlp import parse_level

        if not 0.0 <= threshold <= 1.0:
            raise DataError("--threshold must be within 0..1", value=threshold)
        levels = {"bank_account": parse_level(tlp_accounts), "phone": parse_level(tlp_numbers),
                  "url": parse_level(tlp_urls), "domain": parse_level(tlp_urls)}
        ring_map = read_rings(rings) if rings else None
        with steps("publishing", total=2) as bar:
            result, written = publish_now(threshold, levels, ring_map, bar)
        typer.echo(f"indicators: {result.created} new, {result.updated} updated, {result.revoked} revoked; "
                   f"{written} object versions published")

    @sharing.command("export-bundle")
    def export_bundle(
        out: Annotated[Path, typer.Option("--out", help="Bundle file to write (JSON).", dir_okay=False)],
        org: Annotated[str | None, typer.Option("--org", help="Export what this org (id or name) may read; "
                                                "default: the public view (TLP:CLEAR only).")] = None,
    ) -> None:
        """Write a STIX 2.1 bundle of the live objects a reader may see (latest versions)."""
        from zeroscam.members import service as members
        from zeroscam.sharing import repository, service, stix
        from zeroscam.sharing.tlp import Reader

        with _session() as s:
            reader = repository.reader_for(members.find_org(s, org)) if org else Reader(org_id=-1, org_type="public")
            rows = repository.readable_rows(s, reader, service.sharing_now(s))
            bundle = stix.bundle([r.payload for r in rows])
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(json.dumps(bundle, ensure_ascii=False, indent=1))
        tmp.replace(out)
        typer.echo(f"{len(bundle['objects'])} objects written to {out}")

    @sharing.command("import-bundle")
    def import_bundle(
        path: Annotated[Path, typer.Argument(help="A STIX 2.1 bundle (JSON) from a member.", dir_okay=False)],
        org: Annotated[str, typer.Option("--org", help="The member (id or name) the intelligence comes from.")],
    ) -> None:
        """Ingest a member's bundle as if posted through TAXII (offline hand-over)."""
        from zeroscam.audit.service import record
        from zeroscam.config import get_settings
        from zeroscam.kit.errors import DataError
        from zeroscam.members import service as members
        from zeroscam.sharing import service

        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise DataError(f"cannot read: {exc.strerror}", file=str(path)) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            line = getattr(exc, "lineno", None)
            raise DataError(f"not JSON: {getattr(exc, 'msg', exc)}", file=str(path), line=line) from None
        if not isinstance(body, dict) or not isinstance(body.get("objects"), list):
            raise DataError("not a STIX bundle or TAXII envelope (no objects list)", file=str(path))
        with _session() as s:
            poster = members.find_org(s, org)
            outcome = service.ingest_envelope(s, poster, body["objects"],
                                              alliance_key=get_settings().alliance_key())
            record(s, "cli", "sharing.ingest", f"file:{path.name}",
                   {"org": poster.id, "accepted": len(outcome.successes), "refused": len(outcome.failures)})
        for f in outcome.failures:
            typer.echo(f"{path}: {f['id']}: {f['message']}", err=True)
        typer.echo(f"{len(outcome.successes)} accepted, {len(outcome.failures)} refused")
        if outcome.failures and not outcome.successes:
            raise typer.Exit(2)

    @sharing.command("labels")
    def labels(out: Annotated[Path, typer.Option("--out", help="CSV to write.", dir_okay=False)]) -> None:
        """Members' confirmed, live accounts and numbers (kind,value,label,producer): labels for detectors."""
        import pandas as pd

        from zeroscam.cli._common import write_csv
        from zeroscam.indicators.service import confirmed_labels
        from zeroscam.sharing import service

        with _session() as s:
            rows = confirmed_labels(s, service.sharing_now(s))
        write_csv(pd.DataFrame(rows, columns=["kind", "value", "label", "producer"]), out)
        typer.echo(f"{len(rows)} labels written to {out}")

    @sharing.command("blind-lookup")
    def blind_lookup(
        items: Annotated[list[str], typer.Argument(help="KIND=VALUE pairs, e.g. bank_account=014-987-654321-0 "
                                                   "phone=0812345678 url=http://x.example/pay")],
        url: Annotated[str, typer.Option("--url", help="The platform's base URL.")] = "http://127.0.0.1:8000",
        key: Annotated[str | None, typer.Option("--key", envvar="ZEROSCAM_API_KEY",
                                                help="Your API key (or ZEROSCAM_API_KEY).")] = None,
        prefix_digits: Annotated[int, typer.Option("--prefix-digits", help="Hex digits of each blinded result "
                                                   "revealed to fetch its bucket (0 = download the whole set).")] = 2,
    ) -> None:
        """Ask whether identifiers are listed without revealing them (OPRF blind lookup); prints one line each."""
        import httpx

        from zeroscam.kit.errors import DataError, ZeroscamError
        from zeroscam.sharing.blind import BlindClient

        if not key:
            raise DataError("an API key is needed: --key or ZEROSCAM_API_KEY")
        pairs = []
        for item in items:
            kind, sep, value = item.partition("=")
            if not sep or not value:
                raise DataError("write KIND=VALUE", value=item)
            pairs.append((kind.strip(), value.strip()))
        try:
            with httpx.Client(base_url=url, timeout=30) as http:
                found = BlindClient(http, key, prefix_digits=prefix_digits).lookup_many(pairs)
        except httpx.HTTPStatusError as exc:
            raise ZeroscamError(f"{url}: the platform answered {exc.response.status_code}") from None
        except httpx.HTTPError as exc:
            raise ZeroscamError(f"{url}: {type(exc).__name__}") from None
        for (kind, value), hit in zip(pairs, found, strict=True):
            typer.echo(f"{kind}\t{value}\t{'listed' if hit else 'not listed'}")

    app.add_typer(sharing, name="sharing")
