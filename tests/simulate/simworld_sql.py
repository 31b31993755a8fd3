"""Small query helpers for the simulator tests."""


def q(con, sql: str):
    """Run a query and return all rows."""
    return con.execute(sql).fetchall()


def q1(con, sql: str):
    """Run a query and return the first column of the first row."""
    return con.execute(sql).fetchall()[0][0]
