"""Ring membership for the entity page, from the `rings.json` that `zeroscam rings`
writes (analytics/rings.py `write_summary`) into the analytics folder.

The file is read again only when it changes (mtime and size), so a new rings run
shows up without a restart. Holders appear in the file as canonical holder ids;
the console names them by their keyed token (never a national ID in a URL).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

RINGS_FILE = "rings.json"

# rings.json member groups -> the entity kind the console uses
GROUP_KINDS = {
    "collector_accounts": "bank_account",
    "layering_accounts": "bank_account",
    "cash_out_accounts": "bank_account",
    "sim_farm": "phone",
    "nominee_holders": "holder",
    "companies": "holder",
}


@dataclass
class RingMember:
    kind: str
    value: str  # canonical; for holders the keyed token
    role: str


@dataclass
class Ring:
    ring_id: str
    members: list[RingMember] = field(default_factory=list)
    summary: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.members)


class RingIndex:
    """(kind, value) → Ring, reloaded when rings.json changes."""

    def __init__(self, analytics_dir: Path, holder_token):
        self.path = Path(analytics_dir) / RINGS_FILE
        self._holder_token = holder_token  # canonical holder id -> token
        self._stamp: tuple[float, int] | None = None
        self._by_entity: dict[tuple[str, str], Ring] = {}
        self._rings: dict[str, Ring] = {}
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        self._refresh()
        return self._stamp is not None

    def ring_of(self, kind: str, value: str) -> Ring | None:
        self._refresh()
        return self._by_entity.get((kind, value))

    def rings(self) -> list[Ring]:
        self._refresh()
        return list(self._rings.values())

    def _refresh(self) -> None:
        try:
            st = self.path.stat()
        except OSError:
            with self._lock:
                self._stamp, self._by_entity, self._rings = None, {}, {}
            return
        stamp = (st.st_mtime, st.st_size)
        if stamp == self._stamp:
            return
        with self._lock:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                rings = self._parse(data)
            except (OSError, ValueError, TypeError, AttributeError) as exc:
                log.warning("rings.json could not be read: %s", type(exc).__name__)
                self._stamp, self._by_entity, self._rings = stamp, {}, {}
                return
            by_entity = {}
            for ring in rings:
                for m in ring.members:
                    by_entity.setdefault((m.kind, m.value), ring)
            self._stamp, self._by_entity, self._rings = stamp, by_entity, {r.ring_id: r for r in rings}

    def _parse(self, data) -> list[Ring]:
        rings = []
        for item in data.get("rings", []) if isinstance(data, dict) else []:
            ring = Ring(ring_id=str(item.get("ring_id")),
                        summary={k: v for k, v in item.items() if k not in ("members", "ring_id")})
            members = item.get("members") or {}
            for group, kind in GROUP_KINDS.items():
                for value in members.get(group, []) or []:
                    value = str(value)
                    if kind == "holder":
                        value = self._holder_token(value)
                    ring.members.append(RingMember(kind=kind, value=value, role=group))
            rings.append(ring)
        return rings
