"""The Spark session of a refresh. One per process: dbt-spark's `session` method takes the same one
(SparkSession.builder.getOrCreate), so the ingest's tasks, dbt, the gates and the publish share it.

Local by default (`local[*]`): the Hive metastore is an embedded Derby database in data/spark/, beside
the tables' files, so a data folder is self-contained and two data folders never share a catalog.
Embedded Derby admits one process at a time: the refresh's write lock already makes it so. A cluster is
either a master URL (TOUYAN_SPARK_MASTER: spark://…, yarn, k8s://…; the cluster's own metastore comes
with TOUYAN_SPARK_CONF) or a Spark Connect server (TOUYAN_SPARK_REMOTE). See docs/scale-out.md."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from pipelines.config import PROJECT_ROOT, Settings, python_for_spark

LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
# Spark's default of 200 shuffle partitions is made for clusters: on a few cores each small stage of
# the demo would run 200 tasks. Adaptive execution merges small partitions either way.
LOCAL_SHUFFLE_PARTITIONS = 8


def session_conf(settings: Settings) -> dict[str, str]:
    """The Spark settings of `settings`' session (before TOUYAN_SPARK_CONF, which overrides them)."""
    home = settings.spark_dir
    java_options = f"-Dderby.system.home={home} -Dlog4j2.configurationFile=file:{LOG_CONFIG}"
    conf = {
        "spark.app.name": "touyan-refresh",
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # the workers (this interpreter: python_for_spark) import the project: the ingest's tasks call its readers
        "spark.executorEnv.PYTHONPATH": str(PROJECT_ROOT),
        "spark.sql.execution.arrow.pyspark.enabled": "true",
    }
    if not settings.spark_remote:
        conf.update({
            "spark.master": settings.spark_master,
            "spark.driver.memory": settings.spark_driver_memory,
            "spark.driver.extraJavaOptions": java_options,
            "spark.executor.extraJavaOptions": java_options,
            "spark.local.dir": str(home / "tmp"),
            "spark.sql.catalogImplementation": "hive",
            "spark.sql.warehouse.dir": str(home / "warehouse"),
            "spark.hadoop.javax.jdo.option.ConnectionURL":
                f"jdbc:derby:;databaseName={home / 'metastore_db'};create=true",
            "spark.sql.shuffle.partitions": str(LOCAL_SHUFFLE_PARTITIONS),
            # The raw tables' partitions (dataset, file: pipelines/spark/ingest.py) are found by listing their
            # folders when a table is read, not stored in the metastore: Derby writes each partition, and
            # MSCK REPAIR of the demo's ~120 took 12-37 s of a ~40 s Spark ingest on this machine (2 cores).
            "spark.sql.hive.manageFilesourcePartitions": "false",
        })
    conf.update(dict(settings.spark_conf))
    return conf


class SparkUnavailable(RuntimeError):
    """Spark cannot start here: its packages or Java are missing, or the master cannot be reached."""


def spark_session(settings: Settings):
    """The process's Spark session for `settings`, started if there is none (~10–15 s: Java, Spark,
    the metastore)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable("PySpark is not installed / 未安装 Spark 引擎所需的软件包: run `make setup-spark` "
                               "(the project's `spark` dependency group and Java 17)") from None

    python_for_spark(sys.executable)
    conf = session_conf(settings)
    active = SparkSession.getActiveSession()
    if active is not None:
        if settings.spark_remote or _same_folder(active.conf.get("spark.sql.warehouse.dir", ""),
                                                 conf["spark.sql.warehouse.dir"]):
            return active
        active.stop()  # another data folder's (a test's): its catalog is not this one's
    if not settings.spark_remote:
        (settings.spark_dir / "tmp").mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder
    if settings.spark_remote:
        builder = builder.remote(settings.spark_remote)
    for key, value in conf.items():
        builder = builder.config(key, value)
    if not settings.spark_remote:
        builder = builder.enableHiveSupport()
    try:
        session = builder.getOrCreate()
    except Exception as e:  # PySpark's own errors: the JVM did not start, the master refused
        java = "" if shutil.which("java") else " — no `java` on PATH: run `make setup-spark` (Java 17) / 未找到 Java"
        raise SparkUnavailable(f"Spark did not start / Spark 引擎启动失败 "
                               f"({settings.spark_remote or settings.spark_master}){java}: {e}") from e
    if not settings.spark_remote:
        session.sparkContext.setLogLevel("ERROR")
    return session


def _same_folder(spark_path: str, path: str) -> bool:
    """Spark reports a local folder as file:/a/b."""
    return Path(spark_path.removeprefix("file:")) == Path(path)


def stop_session() -> None:
    """Stop this process's Spark session, if any (its JVM ends with the process)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
