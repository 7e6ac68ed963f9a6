"""The Spark engine (TOUYAN_ENGINE=spark): the same refresh on Apache Spark. Imported only when that
engine is chosen; its packages come from the `spark` dependency group (make setup-spark)."""
