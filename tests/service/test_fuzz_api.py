"""schemathesis against /openapi.json: no server error, no response that breaks the schema.

Runs every documented operation with generated (valid and invalid) requests, as a
member with a valid API key, over a migrated SQLite store with one report and holds.
Examples per operation are limited to keep the run near a minute. (The store is made
at import, because schemathesis parametrises at collection time.)"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

SECRET = "fuzz-alliance-secret-0123456789abcdef"


def _build():
    from zeroscam.app import create_app
    from zeroscam.config import Settings
    from zeroscam.kit.db import migrate, session_factory
    from zeroscam.members import service as members
    from zeroscam.reports import service as reports

    home = Path(tempfile.mkdtemp(prefix="zeroscam-fuzz-"))
    atexit.register(shutil.rmtree, home, True)
    url = f"sqlite:///{home / 'fuzz.sqlite3'}"
    migrate(url)
    s = Settings(home=home, database_url=url, alliance_secret=SECRET, testing=True, log_level="WARNING")
    with session_factory(url)() as session:
        police = members.create_org(session, "AOC", "police")
        members.create_org(session, "SCB", "bank", bank_codes=["014"])
        key = members.issue_key(session, police)
        reports.submit_report(session, {"scam_type": "call_centre", "victim": {"phone": "0812345678"},
                                        "transfers": [{"to_bank": "014", "to_account": "9876543210",
                                                       "amount": 1000}]},
                              key=s.alliance_key(), principal=members.principal_for(police))
        session.commit()
    return create_app(s), key


APP, KEY = _build()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.auth()
class MemberKey:
    """A member's API key on every request (schemathesis also tries requests without it)."""

    def get(self, case, context):
        return KEY

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


EXAMPLES = int(os.environ.get("ZEROSCAM_FUZZ_EXAMPLES", "12"))


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_has_no_server_errors_and_keeps_its_schema(case):
    # positive_data_acceptance is left out: identifiers are checked beyond what a JSON
    # schema can say (check digits, numbering plans, bank codes), and such a value is a
    # 422 by design. Every other check runs, server errors and schema conformance first.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
