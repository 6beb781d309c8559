"""The baseline a Python engineer would write: SQLite FTS5 with the trigram tokenizer.

    python fts5_tool.py build ARCHIVE DB      index ARCHIVE/_posts/*.md into DB (replaced)
    python fts5_tool.py query DB TERM... [--since YYYY-MM-DD] [--until YYYY-MM-DD]
                                             print the path of every post holding all TERMs

What it indexes: per post the path, the date (from the front matter), the
title and the raw body after the front matter (Markdown or HTML as written,
no markup removed), in one FTS5 table `tokenize='trigram'` (SQLite >= 3.34),
then `optimize`. Queries are like `rg -l`: unranked, every match.

Trigram FTS5 cannot look up a term shorter than three characters. Such terms
fall back to `title LIKE '%t%' OR body LIKE '%t%'`: applied to the MATCH
results when another term is long enough, otherwise a scan of every row.
The method used is printed on stderr (`method: MATCH|LIKE scan|MATCH+LIKE`).

Stdlib only.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from pathlib import Path

_TITLE = re.compile(r'^title:\s*"?(.*?)"?\s*$', re.M)
_DATE = re.compile(r"^date:\s*(\d{4}-\d{2}-\d{2})", re.M)


def _split(text: str) -> tuple[str, str]:
    s = text.lstrip()
    if not s.startswith("---"):
        return "", text
    end = s.find("\n---", 3)
    if end < 0:
        return "", text
    nl = s.find("\n", end + 4)
    return s[3:end], ("" if nl < 0 else s[nl + 1 :])


def _rows(archive: Path):
    posts = archive / "_posts"
    for entry in sorted(os.scandir(posts), key=lambda e: e.name):
        if not entry.name.endswith((".md", ".markdown", ".html")):
            continue
        text = Path(entry.path).read_text("utf-8", "replace")
        front, body = _split(text)
        t = _TITLE.search(front)
        d = _DATE.search(front)
        yield (f"_posts/{entry.name}", d[1] if d else "", t[1] if t else "", body)


def build(archive: Path, db: Path) -> int:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    con = sqlite3.connect(db)
    con.execute(
        "CREATE VIRTUAL TABLE posts USING fts5(path UNINDEXED, date UNINDEXED, title, body, tokenize='trigram')"
    )
    with con:
        con.executemany("INSERT INTO posts(path, date, title, body) VALUES (?, ?, ?, ?)", _rows(archive))
    with con:
        con.execute("INSERT INTO posts(posts) VALUES ('optimize')")
    n = con.execute("SELECT count(*) FROM posts").fetchone()[0]
    con.close()
    print(f"indexed {n} posts into {db}", file=sys.stderr)
    return n


def query(db: Path, terms: list[str], since: str | None, until: str | None) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    long_terms = [t for t in terms if len(t) >= 3]
    short_terms = [t for t in terms if len(t) < 3]
    where: list[str] = []
    params: list[str] = []
    if long_terms:
        where.append("posts MATCH ?")
        params.append(" AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms))
    for t in short_terms:
        where.append("(title LIKE ? OR body LIKE ?)")
        pat = "%" + t.replace("%", "").replace("_", "") + "%"
        params += [pat, pat]
    if since:
        where.append("date >= ?")
        params.append(since)
    if until:
        where.append("date < ?")
        params.append(until)
    method = "+".join(x for x in ("MATCH" if long_terms else "", "LIKE" if short_terms else "") if x)
    if not long_terms:
        method = "LIKE scan"
    sql = "SELECT path FROM posts" + (" WHERE " + " AND ".join(where) if where else "")
    out = sys.stdout
    n = 0
    for (path,) in con.execute(sql, params):
        out.write(path + "\n")
        n += 1
    print(f"method: {method}", file=sys.stderr)
    return 0 if n else 1


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("archive", type=Path)
    b.add_argument("db", type=Path)
    q = sub.add_parser("query")
    q.add_argument("db", type=Path)
    q.add_argument("terms", nargs="+")
    q.add_argument("--since")
    q.add_argument("--until")
    ns = ap.parse_args(argv)
    if ns.cmd == "build":
        build(ns.archive, ns.db)
        return 0
    return query(ns.db, ns.terms, ns.since, ns.until)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
