"""The fixed query set, and how each tool is asked it.

Each query is run three ways on the same `_posts/`:

- newsctl: `newsctl search QUERY [flags]` (the query language: `"phrase"`,
  `date:2023-07`, terms ANDed);
- ripgrep: `rg -l TERM _posts/` as a user would type it — two terms are a
  pipeline (`rg -l -0 A _posts/ | xargs -0 -r rg -l B`), a date filter is a file-name
  glob (`-g '2023-07-*'`: every post's file name starts with its date);
- FTS5: `fts5_tool.py query DB TERM... [--since --until]`.

`exact` says whether all three should report the same number of posts: they
should whenever the query is a plain substring test over title and body.
The post counts per query are in the report.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass


@dataclass(frozen=True)
class Query:
    key: str  # short label for tables
    kind: str
    newsctl: tuple[str, ...]  # arguments after `newsctl search`
    terms: tuple[str, ...]  # substrings every matching post holds (for rg and FTS5)
    glob: str | None = None  # rg file-name glob for the date filter
    since: str | None = None  # FTS5 date bounds (YYYY-MM-DD, until exclusive)
    until: str | None = None
    rg_flags: tuple[str, ...] = ()
    exact: bool = True
    note: str = ""

    def rg_command(self, posts_dir: str) -> tuple[list[str] | str, bool]:
        """(argv or shell line, shell?) for ripgrep."""
        glob = ["-g", self.glob] if self.glob else []
        flags = list(self.rg_flags)
        if len(self.terms) == 1:
            return ["rg", "-l", *flags, *glob, self.terms[0], posts_dir], False
        first = shlex.join(["rg", "-l", "-0", *flags, *glob, self.terms[0], posts_dir])
        rest = " | ".join(shlex.join(["xargs", "-0", "-r", "rg", "-l", *(["-0"] if i < len(self.terms) - 2 else []), *flags, t])
                          for i, t in enumerate(self.terms[1:]))
        return f"{first} | {rest}", True

    def rg_display(self) -> str:
        cmd, shell = self.rg_command("_posts/")
        return cmd if shell else shlex.join(cmd)

    def fts_args(self) -> list[str]:
        args = list(self.terms)
        if self.since:
            args += ["--since", self.since]
        if self.until:
            args += ["--until", self.until]
        return args

    def newsctl_display(self) -> str:
        return shlex.join(["newsctl", "search", *self.newsctl])


QUERIES: tuple[Query, ...] = (
    Query("习近平", "frequent term", ("习近平",), ("习近平",)),
    Query("高质量发展", "frequent 5-character term", ("高质量发展",), ("高质量发展",)),
    Query("高新区", "rare term, the issue's example", ("高新区",), ("高新区",)),
    Query("区块链", "rare term", ("区块链",), ("区块链",)),
    Query('"人类命运共同体"', "phrase", ('"人类命运共同体"',), ("人类命运共同体",)),
    Query("鸡", "one-character term, rare", ("鸡",), ("鸡",)),
    Query("水", "one-character term, frequent", ("水",), ("水",)),
    Query("李强 河南", "two terms, both required", ("李强", "河南"), ("李强", "河南")),
    Query(
        "台风 date:2023-07",
        "date-filtered in the query",
        ("台风 date:2023-07",),
        ("台风",),
        glob="2023-07-*",
        since="2023-07-01",
        until="2023-08-01",
    ),
    Query(
        "经济 --since 2022-01 --until 2022-12",
        "frequent term, date flags",
        ("经济", "--since", "2022-01", "--until", "2022-12"),
        ("经济",),
        glob="2022-*",
        since="2022-01-01",
        until="2023-01-01",
    ),
    Query(
        "APEC",
        "ASCII term, any case (rg -i)",
        ("APEC",),
        ("APEC",),
        rg_flags=("-i",),
        exact=False,
        note="rg and FTS5 read the raw file, so they also match inside the random video id of a source URL "
        "(2 of the corpus's posts: `…/VIDEPaPecDj…`, `…UAPECCihl…`); newsctl matches ASCII as whole words of "
        "title and text, and does not index the source link as text",
    ),
)


def by_key(keys: list[str] | None) -> tuple[Query, ...]:
    if not keys:
        return QUERIES
    return tuple(q for q in QUERIES if q.key in keys)
