"""TLP 2.0: the five levels, FIRST's marking-definition objects, and who may read what.

The policy (docs/sharing.md):

| level | who reads |
|---|---|
| CLEAR | everyone, public-type orgs included |
| GREEN | the community: every member org (not public-type) |
| AMBER | members with a need: org types that act on the indicator's kind |
| AMBER+STRICT | only the producing org |
| RED | only the named recipients (and the producer) |

The producer always reads its own objects. `can_read` is the rule; the TAXII
endpoints apply the same rule in SQL through `zeroscam.sharing.repository`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from zeroscam.kit.errors import DataError

TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"


class Level(str, Enum):
    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"

    @property
    def rank(self) -> int:
        return _ORDER.index(self)

    @property
    def marking_id(self) -> str:
        return MARKING_IDS[self]

    @property
    def label(self) -> str:
        return "TLP:" + self.value.upper()


_ORDER = [Level.CLEAR, Level.GREEN, Level.AMBER, Level.AMBER_STRICT, Level.RED]

# FIRST's TLP 2.0 marking definitions (fixed ids, cti-stix-common-objects).
MARKING_IDS = {
    Level.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Level.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Level.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Level.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Level.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

# STIX 2.1's predefined TLP 1.0 markings, accepted on ingest.
TLP1_MARKING_IDS = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Level.CLEAR,   # white
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Level.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Level.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Level.RED,
}

_BY_MARKING = {v: k for k, v in MARKING_IDS.items()} | TLP1_MARKING_IDS


def parse_level(text: str) -> Level:
    """`TLP:AMBER+STRICT`, `amber+strict`, `amber_strict`, `white` → Level."""
    t = str(text).strip().lower().removeprefix("tlp:").replace("_", "+").replace(" ", "")
    if t == "white":
        return Level.CLEAR
    try:
        return Level(t)
    except ValueError:
        raise DataError("unknown TLP level", value=text) from None


def level_of_marking(marking_id: str) -> Level | None:
    return _BY_MARKING.get(marking_id)


def level_from_refs(refs: list[str] | None, default: Level) -> Level:
    """The strictest TLP level among `object_marking_refs` (default when none is TLP)."""
    levels = [lv for lv in (level_of_marking(r) for r in refs or []) if lv is not None]
    return max(levels, key=lambda lv: lv.rank) if levels else default


def strictest(*levels: Level) -> Level:
    return max(levels, key=lambda lv: lv.rank)


def marking_definition(level: Level) -> dict:
    """FIRST's marking-definition object for `level`, exactly as published."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": MARKING_IDS[level],
        "created": TLP2_CREATED,
        "name": level.label,
        "extensions": {TLP2_EXTENSION_ID: {"extension_type": "property-extension",
                                           "tlp_2_0": level.value}},
    }


# ---- need to know (AMBER) ------------------------------------------------

# What an indicator is about decides who needs it under AMBER.
AUDIENCES = ("accounts", "numbers", "web", "general", "common")
NEED: dict[str, frozenset[str]] = {
    "accounts": frozenset({"bank", "police", "regulator"}),
    "numbers": frozenset({"telco", "police", "regulator"}),
    "web": frozenset({"platform", "police", "regulator"}),
    "general": frozenset({"bank", "telco", "platform", "police", "regulator"}),
    "common": frozenset({"bank", "telco", "platform", "police", "regulator", "public"}),
}
MEMBER_TYPES = frozenset({"bank", "telco", "platform", "police", "regulator"})


def audience_of_kind(kind: str) -> str:
    return {"bank_account": "accounts", "phone": "numbers", "url": "web", "domain": "web"}.get(kind, "general")


def audiences_for(org_type: str) -> list[str]:
    """The AMBER audiences an org type belongs to."""
    return [a for a, types in NEED.items() if org_type in types]


@dataclass(frozen=True)
class Reader:
    """Who is reading: the authenticated org."""

    org_id: int
    org_type: str


def can_read(reader: Reader, level: Level, audience: str, producer_org_id: int | None,
             recipients: frozenset[int] | set[int] = frozenset()) -> bool:
    """The TLP rule for one object."""
    if producer_org_id is not None and reader.org_id == producer_org_id:
        return True
    if level is Level.CLEAR:
        return True
    if level is Level.GREEN:
        return reader.org_type in MEMBER_TYPES
    if level is Level.AMBER:
        return reader.org_type in NEED.get(audience, frozenset())
    if level is Level.AMBER_STRICT:
        return False  # only inside the producing org
    return reader.org_id in recipients  # RED
