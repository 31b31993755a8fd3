"""TLP policy, the pure rule (the TAXII tests check the same rule end to end)."""

from __future__ import annotations

import pytest

from zeroscam.kit.errors import DataError
from zeroscam.sharing.tlp import Level, Reader, can_read, level_from_refs, parse_level

BANK, TELCO, POLICE, PUBLIC, PLATFORM = (Reader(1, "bank"), Reader(2, "telco"), Reader(3, "police"),
                                         Reader(4, "public"), Reader(5, "platform"))


def test_parse_and_order():
    assert parse_level("TLP:AMBER+STRICT") is Level.AMBER_STRICT
    assert parse_level("white") is Level.CLEAR
    assert Level.RED.rank > Level.AMBER_STRICT.rank > Level.AMBER.rank > Level.GREEN.rank > Level.CLEAR.rank
    with pytest.raises(DataError):
        parse_level("purple")


def test_level_from_refs_takes_the_strictest_and_knows_tlp1():
    refs = [Level.GREEN.marking_id, "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]
    assert level_from_refs(refs, Level.AMBER) is Level.RED
    assert level_from_refs([], Level.AMBER) is Level.AMBER


def test_clear_and_green():
    for r in (BANK, TELCO, POLICE, PUBLIC, PLATFORM):
        assert can_read(r, Level.CLEAR, "accounts", 9)
        assert can_read(r, Level.GREEN, "accounts", 9) is (r is not PUBLIC)


def test_amber_need_to_know():
    assert can_read(BANK, Level.AMBER, "accounts", 9)
    assert not can_read(TELCO, Level.AMBER, "accounts", 9)
    assert can_read(TELCO, Level.AMBER, "numbers", 9)
    assert not can_read(BANK, Level.AMBER, "numbers", 9)
    assert can_read(POLICE, Level.AMBER, "numbers", 9) and can_read(POLICE, Level.AMBER, "accounts", 9)
    assert not can_read(PUBLIC, Level.AMBER, "general", 9)


def test_strict_and_red():
    assert can_read(BANK, Level.AMBER_STRICT, "accounts", BANK.org_id)
    assert not can_read(POLICE, Level.AMBER_STRICT, "accounts", BANK.org_id)
    assert can_read(POLICE, Level.RED, "accounts", BANK.org_id, {POLICE.org_id})
    assert not can_read(TELCO, Level.RED, "accounts", BANK.org_id, {POLICE.org_id})
