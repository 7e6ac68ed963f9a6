"""The Spark spelling of the ingest's cell folding (dbt_project/macros/th_text.sql) is written out in SQL,
not taken from the ingest: a character map or alias separator changed in one and not the other would
make an institute cell resolve differently on Spark than in the ingest. (That the two spellings fold the
same cells alike on real Spark is the engines' comparison of the marts.)"""
import inspect
import re

from pipelines.config import PROJECT_ROOT
from pipelines.ingest import sql_functions

MACROS = (PROJECT_ROOT / "dbt_project" / "macros" / "th_text.sql").read_text(encoding="utf-8")


def spark_macro(name: str) -> str:
    return re.search(rf"macro spark__{name}\(.*?endmacro", MACROS, re.S).group(0)


def spark_literals(sql: str) -> list[str]:
    """The string literals of Spark SQL, unescaped (backslash escapes, \\uXXXX)."""
    def unescape(match: re.Match) -> str:
        return chr(int(match.group(1), 16)) if match.group(1) else match.group(2)
    return [re.sub(r"\\u([0-9a-fA-F]{4})|\\(.)", unescape, text)
            for text in re.findall(r"'((?:[^'\\]|\\.)*)'", sql)]


def test_spark_th_key_maps_the_characters_the_ingest_maps():
    full, half = spark_literals(spark_macro("th_key"))[:2]
    assert (full, half) == (sql_functions._FULL, sql_functions._HALF)


def test_spark_th_names_splits_aliases_where_the_ingest_splits_them():
    [separators] = spark_literals(spark_macro("th_names"))
    assert f"regexp_split_to_array(aliases, '{separators}')" in inspect.getsource(sql_functions)
