"""STIX 2.1 mapping: members, indicators, custom observables, sightings, rings.

Pure functions from the platform's records to STIX 2.1 objects (plain dicts the
`stix2` library parses and the OASIS `stix2-validator` accepts). Raw account
numbers and national IDs never appear in an object: bank accounts travel as
keyed tokens (`zeroscam.identifiers.token`, HMAC under the alliance key) with
their bank code, so a member holding the alliance key matches its own accounts
and nobody else learns the digits.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from zeroscam.sharing import tlp as tlpmod

STIX_SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")

PLATFORM_IDENTITY_ID = "identity--37134c55-8e41-4cfe-a227-2e53de00cb57"
PLATFORM_NAME = "zeroscam alliance platform"
PLATFORM_CREATED = "2025-01-01T00:00:00.000Z"

# Extension definitions for the custom observables (like OpenCTI's Bank-Account and
# Phone-Number) and for the outcome of a member's sighting. Fixed ids: consumers key on them.
BANK_ACCOUNT_EXT_ID = "extension-definition--cb880d9e-a334-476f-b32d-218ef5d6476f"
PHONE_NUMBER_EXT_ID = "extension-definition--9013760a-ade2-4e98-a43e-345eec752f47"
SIGHTING_OUTCOME_EXT_ID = "extension-definition--c39e41c6-3517-48f9-8688-f3eb01dbcc29"

KIND_LABELS = {
    "bank_account": ("mule_account", "Mule bank account"),
    "phone": ("scam_number", "Scam phone number"),
    "url": ("scam_url", "Scam URL"),
    "domain": ("scam_domain", "Scam domain"),
}
LABEL_NAMES = {"mule_account": "Mule bank account", "scam_number": "Scam phone number",
               "suspended_sim": "Suspended SIM used in scams", "scam_url": "Scam URL",
               "scam_domain": "Scam domain"}

_SECTORS = {"bank": ["financial-services"], "telco": ["telecommunications"],
            "police": ["government-national"], "regulator": ["government-national"],
            "platform": ["technology"]}


def ts(dt: datetime | str) -> str:
    """A STIX timestamp (UTC, milliseconds, Z) from a naive-UTC or aware datetime."""
    if isinstance(dt, str):
        return dt
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_ts(text: str) -> datetime:
    """STIX/TAXII timestamp → naive UTC."""
    t = text.strip()
    if t.endswith(("Z", "z")):
        t = t[:-1] + "+00:00"
    dt = datetime.fromisoformat(t)
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt


def new_id(stix_type: str) -> str:
    return f"{stix_type}--{uuid.uuid4()}"


def sco_id(stix_type: str, contributing: dict) -> str:
    """Deterministic SCO id: UUIDv5 over the canonical JSON of the id-contributing properties."""
    canonical = json.dumps(contributing, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{stix_type}--{uuid.uuid5(STIX_SCO_NAMESPACE, canonical)}"


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# ---- common objects ---------------------------------------------------------

def platform_identity() -> dict:
    return {"type": "identity", "spec_version": "2.1", "id": PLATFORM_IDENTITY_ID,
            "created": PLATFORM_CREATED, "modified": PLATFORM_CREATED, "name": PLATFORM_NAME,
            "description": "The shared platform of the anti-scam alliance; producer of derived indicators.",
            "identity_class": "organization", "sectors": ["government-national"]}


def extension_definitions() -> list[dict]:
    common = {"type": "extension-definition", "spec_version": "2.1", "created": PLATFORM_CREATED,
              "modified": PLATFORM_CREATED, "created_by_ref": PLATFORM_IDENTITY_ID, "version": "1.0.0"}
    return [
        common | {"id": BANK_ACCOUNT_EXT_ID, "name": "bank-account",
                  "description": "A bank account, identified by a keyed token of its canonical number "
                                 "(HMAC-SHA256 under the alliance key) and its 3-digit bank code.",
                  "schema": "bank-account SCO: account_token (string, required, id-contributing: "
                            "hex HMAC-SHA256 of 'bank_account' NUL canonical 'BANK-DIGITS'), bank_code "
                            "(string, 3 digits), display (string, masked number). See zeroscam docs/sharing.md.",
                  "extension_types": ["new-sco"]},
        common | {"id": PHONE_NUMBER_EXT_ID, "name": "phone-number",
                  "description": "A telephone number in E.164.",
                  "schema": "phone-number SCO: value (string, required, id-contributing, E.164). "
                            "See zeroscam docs/sharing.md.",
                  "extension_types": ["new-sco"]},
        common | {"id": SIGHTING_OUTCOME_EXT_ID, "name": "zeroscam-sighting-outcome",
                  "description": "What a member's sighting says about the indicator.",
                  "schema": "property-extension on sighting: outcome (string: confirmed | false_positive). "
                            "See zeroscam docs/sharing.md.",
                  "extension_types": ["property-extension"]},
    ]


def org_identity(stix_id: str, name: str, org_type: str, created: datetime) -> dict:
    obj = {"type": "identity", "spec_version": "2.1", "id": stix_id, "created": ts(created),
           "modified": ts(created), "name": name, "identity_class": "organization",
           "created_by_ref": PLATFORM_IDENTITY_ID,
           "description": f"Alliance member ({org_type})."}
    if org_type in _SECTORS:
        obj["sectors"] = _SECTORS[org_type]
    return obj


# ---- observables and patterns ----------------------------------------------

def mask_account(canonical: str) -> str:
    """`014-9876543210` → `014-******3210` (enough for a person to recognise, not to pay)."""
    bank, _, digits = canonical.partition("-")
    return f"{bank}-{'*' * max(0, len(digits) - 4)}{digits[-4:]}"


def observable(kind: str, token: str, value: str | None, bank_code: str | None) -> dict | None:
    """The custom SCO for an account or a number (None for URLs and domains, which use STIX's own)."""
    if kind == "bank_account":
        obj = {"type": "bank-account", "spec_version": "2.1",
               "id": sco_id("bank-account", {"account_token": token}), "account_token": token,
               "extensions": {BANK_ACCOUNT_EXT_ID: {"extension_type": "new-sco"}}}
        if bank_code:
            obj["bank_code"] = bank_code
        if value:
            obj["display"] = mask_account(value)
        return obj
    if kind == "phone" and value:
        return {"type": "phone-number", "spec_version": "2.1", "id": sco_id("phone-number", {"value": value}),
                "value": value, "extensions": {PHONE_NUMBER_EXT_ID: {"extension_type": "new-sco"}}}
    if kind == "url" and value:
        return {"type": "url", "spec_version": "2.1", "id": sco_id("url", {"value": value}), "value": value}
    if kind == "domain" and value:
        return {"type": "domain-name", "spec_version": "2.1", "id": sco_id("domain-name", {"value": value}),
                "value": value}
    return None


def pattern(kind: str, token: str, value: str | None) -> str:
    """The STIX pattern an indicator carries; accounts by token, never by number."""
    if kind == "bank_account":
        return f"[bank-account:account_token = {_quote(token)}]"
    if value is None:
        raise ValueError(f"a {kind} indicator needs its value")
    prop = {"phone": "phone-number:value", "url": "url:value", "domain": "domain-name:value"}[kind]
    return f"[{prop} = {_quote(value)}]"


def indicator(*, stix_id: str, kind: str, label: str, token: str, value: str | None,
              created_by: str, created: datetime, modified: datetime, valid_from: datetime,
              valid_until: datetime, confidence: int, reasons: list[str], level: tlpmod.Level,
              revoked: bool = False) -> dict:
    obj = {
        "type": "indicator", "spec_version": "2.1", "id": stix_id,
        "created": ts(created), "modified": ts(modified), "created_by_ref": created_by,
        "name": LABEL_NAMES.get(label, KIND_LABELS.get(kind, (label, label))[1]),
        "description": "Reasons: " + (", ".join(reasons) if reasons else "member report"),
        "indicator_types": ["malicious-activity"],
        "pattern": pattern(kind, token, value), "pattern_type": "stix", "pattern_version": "2.1",
        "valid_from": ts(valid_from), "valid_until": ts(valid_until),
        "confidence": max(0, min(100, int(confidence))),
        "labels": [label] + [r for r in reasons if r != label],
        "object_marking_refs": [level.marking_id],
    }
    if revoked:
        obj["revoked"] = True
    return obj


def sighting(*, stix_id: str, indicator_id: str, where: str, created: datetime, modified: datetime,
             first_seen: datetime, last_seen: datetime, count: int, outcome: str,
             level: tlpmod.Level) -> dict:
    return {
        "type": "sighting", "spec_version": "2.1", "id": stix_id,
        "created": ts(created), "modified": ts(modified), "created_by_ref": where,
        "sighting_of_ref": indicator_id, "where_sighted_refs": [where],
        "first_seen": ts(first_seen), "last_seen": ts(max(last_seen, first_seen)),
        "count": max(0, min(999_999_999, count)),
        "description": "false positive" if outcome == "false_positive" else "confirmed",
        "object_marking_refs": [level.marking_id],
        "extensions": {SIGHTING_OUTCOME_EXT_ID: {"extension_type": "property-extension",
                                                 "outcome": outcome}},
    }


def intrusion_set(*, stix_id: str, ring_id: str, created: datetime, modified: datetime,
                  members: int, level: tlpmod.Level) -> dict:
    return {
        "type": "intrusion-set", "spec_version": "2.1", "id": stix_id,
        "created": ts(created), "modified": ts(modified), "created_by_ref": PLATFORM_IDENTITY_ID,
        "name": f"Scam ring {ring_id}",
        "description": f"An organised ring of mule accounts and numbers found by the platform "
                       f"({members} indicators).",
        "goals": ["steal money from scam victims"], "resource_level": "organization",
        "primary_motivation": "personal-gain",
        "object_marking_refs": [level.marking_id],
    }


def relationship(*, stix_id: str, source: str, target: str, rel: str, created: datetime,
                 level: tlpmod.Level) -> dict:
    return {"type": "relationship", "spec_version": "2.1", "id": stix_id,
            "created": ts(created), "modified": ts(created), "created_by_ref": PLATFORM_IDENTITY_ID,
            "relationship_type": rel, "source_ref": source, "target_ref": target,
            "object_marking_refs": [level.marking_id]}


def bundle(objects: list[dict]) -> dict:
    return {"type": "bundle", "id": new_id("bundle"), "objects": objects}
