"""The TLP rule in SQL (repository.visible) agrees with the rule in Python (tlp.can_read), on both databases."""

from __future__ import annotations

from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from zeroscam.sharing.models import SharedObject
from zeroscam.sharing.repository import visible
from zeroscam.sharing.tlp import AUDIENCES, Level, Reader, can_read

ORG_TYPES = ("bank", "telco", "police", "regulator", "platform", "public")

rows = st.lists(st.tuples(st.sampled_from(list(Level)), st.sampled_from(AUDIENCES[:4]),
                          st.sampled_from([None, 0, 1, 2]), st.sets(st.sampled_from([0, 1, 2]), max_size=3)),
                min_size=1, max_size=25)
readers = st.tuples(st.sampled_from([0, 1, 2]), st.sampled_from(ORG_TYPES))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows, readers)
def test_sql_rule_equals_python_rule(session, three_orgs, data, reader_spec):
    ids = three_orgs
    t = datetime(2025, 1, 1)
    session.execute(delete(SharedObject))
    for i, (level, audience, producer, recipients) in enumerate(data):
        session.add(SharedObject(
            stix_id=f"indicator--{i:08d}-0000-4000-8000-000000000000", subject=f"s{i}", type="indicator",
            spec_version="2.1", modified=t, date_added=t, latest=True, tlp=level.value, audience=audience,
            producer_org_id=None if producer is None else ids[producer],
            recipients="," + ",".join(str(ids[r]) for r in sorted(recipients)) + "," if recipients else "",
            expires_at=None, payload={"i": i}))
    session.flush()
    reader = Reader(ids[reader_spec[0]], reader_spec[1])
    got = {r.payload["i"] for r in session.scalars(select(SharedObject).where(visible(reader)))}
    want = {i for i, (level, audience, producer, recipients) in enumerate(data)
            if can_read(reader, level, audience, None if producer is None else ids[producer],
                        {ids[r] for r in recipients})}
    session.rollback()
    assert got == want
