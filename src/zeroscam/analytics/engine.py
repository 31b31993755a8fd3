"""The one engine seam (DESIGN.md principle 2).

Analytics are written once, as SQL in DuckDB's dialect. `DuckDBEngine` runs it
as is; `SparkEngine` transpiles it with sqlglot to Spark SQL and runs it on
PySpark (local mode in tests, Spark Connect at national scale). Both take the
canonical tables that the AXF reader produced (exchange/axf.py) and return
pandas DataFrames, so the model and graph code after the SQL is shared.

We chose SQL through one dialect object over Ibis expressions: the feature
queries are window- and join-heavy, read naturally as SQL, and sqlglot
transpiles them without Ibis's pinned sqlglot range.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # results are pandas frames; pandas itself is imported by whoever reads them
    import pandas as pd


class Engine(Protocol):
    name: str

    def sql(self, query: str) -> pd.DataFrame: ...

    def execute(self, statement: str) -> None:
        """Run a statement that creates a temporary view/table (CREATE OR REPLACE TEMP VIEW ...)."""

    def register(self, name: str, frame: pd.DataFrame) -> None: ...


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, con):
        self.con = con

    def sql(self, query: str) -> pd.DataFrame:
        return self.con.execute(query).df()

    def execute(self, statement: str) -> None:
        self.con.execute(statement)

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.con.register(f"__{name}_df", frame)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM __{name}_df")
        self.con.unregister(f"__{name}_df")


class SparkEngine:
    name = "spark"

    def __init__(self, spark):
        self.spark = spark

    @staticmethod
    def transpile(query: str) -> str:
        import sqlglot

        return ";\n".join(sqlglot.transpile(query, read="duckdb", write="spark"))

    def sql(self, query: str) -> pd.DataFrame:
        return self.spark.sql(self.transpile(query)).toPandas()

    def execute(self, statement: str) -> None:
        self.spark.sql(self.transpile(statement))

    def register(self, name: str, frame: pd.DataFrame) -> None:
        self.spark.createDataFrame(frame).createOrReplaceTempView(name)

    def register_parquet(self, name: str, path: Path) -> None:
        self.spark.read.parquet(str(path)).createOrReplaceTempView(name)


def local_spark(app_name: str = "zeroscam"):
    """A local-mode SparkSession sized for this machine, UTC session time."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the install
        from zeroscam.kit.errors import ConfigError

        raise ConfigError("--engine spark needs PySpark: install with the 'spark' extra") from exc
    return (
        SparkSession.builder.master("local[2]")
        .appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )


def make_engine(name: str, dataset) -> Engine:
    """An engine over the canonical tables of an opened AXF dataset."""
    if name == "duckdb":
        return DuckDBEngine(dataset.con)
    if name == "spark":
        import tempfile

        engine = SparkEngine(local_spark())
        tmp = Path(tempfile.mkdtemp(prefix="zeroscam-spark-"))
        for table, path in dataset.export_parquet(tmp).items():
            engine.register_parquet(table, path)
        return engine
    from zeroscam.kit.errors import ZeroscamError

    raise ZeroscamError(f"unknown engine {name!r}: use duckdb or spark")
