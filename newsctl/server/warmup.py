"""What the server loads before it listens: everything a command would import or build lazily."""

from __future__ import annotations

import importlib
import pkgutil
import sys

# Third-party modules newsctl imports inside functions (see docs/design.md, Rules).
THIRD_PARTY = (
    "typer", "rich.console", "rich.pager", "rich.markdown", "rich.measure", "rich.progress",
    "rich.table", "rich.text", "yaml", "rjieba", "zhconv", "selectolax.lexbor", "markdown_it",
    "whoosh.index", "whoosh.query", "whoosh.query.spans", "whoosh.sorting", "whoosh.searching",
    "whoosh.matching", "whoosh.formats", "whoosh.fields", "whoosh.filedb.filestore",
    "whoosh.filedb.structfile", "whoosh.codec", "whoosh.writing", "whoosh.util.times",
    "multiprocessing", "multiprocessing.connection", "tomllib", "csv", "json", "mmap", "locale",
)


def warm_up() -> list[str]:
    """Import newsctl's modules and their dependencies, build the text tables; returns what failed."""
    failed = []
    import newsctl

    for info in pkgutil.walk_packages(newsctl.__path__, "newsctl."):
        if info.name.startswith("newsctl.server") or info.name == "newsctl.__main__":
            continue
        try:
            importlib.import_module(info.name)
        except Exception as e:  # an optional module failing here fails the same way in a command
            failed.append(f"{info.name}: {e}")
    for name in THIRD_PARTY:
        try:
            importlib.import_module(name)
        except Exception as e:
            failed.append(f"{name}: {e}")
    try:
        from newsctl import analysis
        from newsctl.query import parse_query

        analysis.normalize_with_offsets("高新區 ５Ｇ网络")
        analysis.segment_words("绵阳高新区排名")
        parse_query('"国家高新区" OR 科技园 -北京 date:2022-01..2022-03', __import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    except Exception as e:
        failed.append(f"text tables: {e}")
    try:
        from newsctl.cli import prebuild

        prebuild()
    except Exception as e:
        failed.append(f"the click command: {e}")
    sys.stdout.flush()
    return failed
