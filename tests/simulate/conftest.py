"""One `small` world per test session (generating it takes a few seconds)."""

from __future__ import annotations

import os

import duckdb
import pytest

from zeroscam.simulate.service import simulate

# Override to check the behaviours hold in other worlds too: ZEROSCAM_SIM_TEST_SEED=3 pytest tests/simulate
SMALL_SEED = int(os.environ.get("ZEROSCAM_SIM_TEST_SEED", "11"))


@pytest.fixture(scope="session")
def small_world(tmp_path_factory):
    out = tmp_path_factory.mktemp("small_world")
    simulate(out, scale="small", seed=SMALL_SEED, show_progress=False)
    return out


@pytest.fixture(scope="session")
def small_db(small_world):
    """DuckDB views over the small world's files: t (transactions), c (cdrs), s (sims), a (accounts),
    cells, and truth_* for every truth file."""
    con = duckdb.connect()
    d = small_world
    con.execute("""create macro e164(x) as case when replace(replace(x, '-', ''), ' ', '') like '0%'
                   then '+66' || substr(replace(replace(x, '-', ''), ' ', ''), 2)
                   else replace(replace(x, '-', ''), ' ', '') end""")
    con.execute(f"create view t as select * from read_csv('{d}/transactions.csv', all_varchar=true)")
    con.execute("""create view tx as select txn_id, cast(ts as timestamptz) as ts, channel,
                    src_bank || '-' || src_account as src, dst_bank || '-' || dst_account as dst,
                    cast(amount as double) as amount, src_device from t""")
    con.execute(f"create view c as select * from read_csv('{d}/cdrs.csv', all_varchar=true)")
    con.execute(f"create view s as select *, e164(msisdn) as phone from read_csv('{d}/sims.csv', all_varchar=true)")
    con.execute(f"create view a as select *, bank || '-' || account as acct from read_csv('{d}/accounts.csv', all_varchar=true)")
    con.execute(f"create view cells as select * from read_csv('{d}/cells.csv')")
    for name in ("accounts", "sims", "holders", "rings", "victims", "scam_txns", "reports", "lookalike_accounts",
                 "lookalike_sims"):
        con.execute(f"create view truth_{name}_full as select * from read_csv('{d}/truth/{name}.csv', all_varchar=true)")
        # scam_txns repeats ts/src/dst of transactions.csv; the short view leaves them to `tx`
        extra = " exclude (ts, src, dst)" if name == "scam_txns" else ""
        con.execute(f"create view truth_{name} as select *{extra} from truth_{name}_full")
    con.execute(f"create view rep as select * from read_json('{d}/reports.jsonl', format='newline_delimited')")
    return con
