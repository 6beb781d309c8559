"""Exactness, speed and size of newsctl's text analysis (newsctl.text, newsctl.engine) on the xwlb corpus.

Builds a Whoosh index of the 24,090 xwlb posts with the fields
newsctl.engine recommends, then checks for several hundred query
literals that the documents the index returns are exactly the documents
:func:`newsctl.text.units.literal_pattern` finds in the normalised title/body
(recall and precision 1.0), and reports build speed (posts/s), index size
relative to the body text, and query latency.

    .venv/bin/python benchmarks/analysis_exactness.py            # everything
    .venv/bin/python benchmarks/analysis_exactness.py --posts 3000 --procs 2
    .venv/bin/python benchmarks/analysis_exactness.py --workdir /tmp/bw --reuse --procs 1

The writer is Whoosh's, with ``CompactCodec()``; ``--procs 2`` is
``ix.writer(procs=2, multisegment=True)`` (one segment per process; ``--merge``
for Whoosh's serial merge).  Build speed is reported as wall time and as CPU
time (parent + writer processes), since other jobs may share the cores.

Measured 2026-11-27 on the 2-core machine (load average ~3 from other jobs),
all 24,090 posts, --limitmb 3072: procs=2 82.7 s = 291 posts/s, index 4.36x
the body text (two segments); procs=1 91.1 s = 264 posts/s, 3.53x; 444
literals x 2 fields, recall and precision 1.0; query latency (all matching
posts) median 0.4 ms, p95 16 ms, max 241 ms.

Exit status 0 when every query is exact, 1 otherwise.
"""

from __future__ import annotations

import argparse
import html
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsctl.engine.analyzers import exact_field, word_field
from newsctl.engine.codec import CompactCodec
from newsctl.engine.matchers import literal_query
from newsctl.text.normalize import normalize
from newsctl.text.units import literal_pattern

CORPUS = ROOT.parent / "shared" / "corpus" / "xwlb-posts.tar.xz"


@dataclass
class Doc:
    path: str
    title: str
    text: str


# --------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]*>")
_TITLE = re.compile(r'^title:\s*(.*)$', re.M)


def _crude_read(path: Path) -> Doc:
    """Front matter split + tag strip: enough for this benchmark."""
    raw = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    _, fm, body = raw.lstrip().split("---", 2)
    m = _TITLE.search(fm)
    title = ""
    if m:
        import yaml

        title = str(yaml.safe_load(m.group(1)) or "")
    text = html.unescape(_TAG.sub("", body)).replace("**", "")
    return Doc(str(path), title, text.strip())


def _reader():
    """newsctl.posts.post.read_post when it exists and works, else the crude reader."""
    try:
        from zoneinfo import ZoneInfo

        from newsctl.posts.post import read_post  # type: ignore

        tz = ZoneInfo("Asia/Shanghai")

        def read(path: Path) -> Doc:
            post = read_post(path, tz)
            return Doc(str(path), post.title or "", post.text or "")

        return read, "newsctl.posts.post.read_post"
    except Exception:  # noqa: BLE001 - module absent or broken: fall back
        return _crude_read, "crude front-matter split + tag strip"


def load_posts(limit: int | None, workdir: Path) -> tuple[list[Doc], str]:
    if not CORPUS.exists():
        sys.exit(f"corpus not found: {CORPUS}")
    target = workdir / "xwlb"
    if not target.exists():
        subprocess.run(["tar", "-xJf", str(CORPUS), "-C", str(workdir)], check=True)
    files = sorted(p for p in target.iterdir() if p.suffix in (".md", ".markdown", ".html"))
    if limit:
        files = files[:limit]
    read, how = _reader()
    try:
        docs = [read(p) for p in files[:50]]
    except Exception as exc:  # noqa: BLE001
        print(f"reader {how} failed ({exc}); using crude reader")
        read, how = _crude_read, "crude front-matter split + tag strip"
    docs = [read(p) for p in files]
    return docs, how


# --------------------------------------------------------------------------
# Index
# --------------------------------------------------------------------------


def make_schema():
    from whoosh import fields

    return fields.Schema(
        path=fields.ID(stored=True, unique=True),
        date=fields.DATETIME(stored=True, sortable=True),
        categories=fields.KEYWORD(stored=True, commas=True),
        tags=fields.KEYWORD(stored=True, commas=True),
        title=exact_field(stored=True),
        body=exact_field(),
        words=word_field(),
    )


def _cpu() -> float:
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def build_index(docs: list[Doc], ixdir: Path, procs: int, limitmb: int, multisegment: bool) -> tuple[float, float]:
    """Index *docs*; returns (wall seconds, CPU seconds incl. writer processes)."""
    from datetime import datetime

    from whoosh import index

    if ixdir.exists():
        shutil.rmtree(ixdir)
    ixdir.mkdir(parents=True)
    ix = index.create_in(str(ixdir), make_schema())
    t0 = time.perf_counter()
    c0 = _cpu()
    codec = CompactCodec()
    if procs > 1:
        writer = ix.writer(procs=procs, limitmb=limitmb, batchsize=256, codec=codec, multisegment=multisegment)
    else:
        writer = ix.writer(limitmb=limitmb, codec=codec)
    date = datetime(2022, 1, 1)
    for d in docs:
        writer.add_document(
            path=d.path,
            date=date,
            categories="xinwenlianbo",
            tags="新闻联播",
            title=d.title,
            body=d.text,
            words=d.title + "\n" + d.text,
        )
    writer.commit()
    return time.perf_counter() - t0, _cpu() - c0


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.iterdir() if f.is_file())


# --------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------

CURATED = [
    # people
    "习近平", "李强", "王毅", "郭明錤", "李克强", "普京", "拜登", "古特雷斯",
    # places
    "北京", "上海", "绵阳", "高新区", "新疆", "香港", "台湾", "粤港澳大湾区",
    "雄安新区", "海南自由贸易港", "长江", "黄河", "乌克兰", "中东",
    # organisations
    "国务院", "中共中央", "联合国", "世界卫生组织", "上合组织",
    "全国人大常委会", "中央军委", "新华社", "央视网消息",
    # numbers and dates
    "2022", "2022年", "1月1日", "100", "19", "二〇二二", "十四五", "第十四届",
    "2022年1月", "3月", "30%", "1.5", "5.5%", "24", "2035年",
    # single characters (substring semantics)
    "猪", "牛", "羊", "的", "中", "鑫", "囧", "、", "，", "“", "》", "龘",
    # ASCII tokens and mixtures
    "5G", "G20", "APEC", "GDP", "CPI", "COVID", "AI", "ChatGPT", "A股",
    "C919", "5G网络", "5g", "g20峰会", "G20峰", "PM2.5", "WTO", "2022年北京冬奥会",
    "APEC会议", "CCTV", "cctv", "https", "shtml", "VIDE", "B站",
    # punctuation inside literals
    "“一带一路”", "《求是》", "新闻联播）：", "：“", "——", "以史为鉴、开创未来",
    "（新闻联播）", "“十四五”", "中国式现代化。",
    # Traditional spellings
    "內銀", "習近平", "臺灣", "國務院", "經濟發展", "發展", "華人民共", "聯合國",
    "內银", "鄉村振興", "開放",
    # full-width spellings
    "５Ｇ", "Ｇ２０", "ＡＰＥＣ", "（新闻联播）：", "２０２２年", "ＧＤＰ",
    # spaces (a whitespace run between units)
    "以史为鉴、开创未来 埋头苦干", "踔厉奋发 我们", "勇毅前行 ", "  北京  ",
    "踔厉奋发  我们", "5G 网络",
    # substrings that cut across words
    "提高新", "高新", "国新", "民共和", "华人民共", "近平总", "会议强",
    "新能源", "提高新能源", "高新技术", "记习", "和国",
    # things that should match nothing (or almost)
    "绵阳高新区排名", "不存在的词语组合", "zzzz", "25G",
]


def _to_fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def generate_queries(docs: list[Doc], norm_titles: list[str], norm_bodies: list[str], n_random: int, seed: int = 1) -> list[tuple[str, str]]:
    """(category, literal) pairs: curated plus random corpus substrings."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = [("curated", q) for q in CURATED]
    bodies = [b for b in norm_bodies if len(b) > 20]
    # random substrings of 1..6 characters, anywhere (crossing words/punctuation)
    for _ in range(n_random):
        b = rng.choice(bodies)
        n = rng.randint(1, 6)
        i = rng.randrange(0, len(b) - n)
        s = b[i : i + n]
        if s.strip():
            out.append((f"random{n}", s))
    # random substrings of titles, including spaces
    titles = [t for t in norm_titles if len(t) > 8]
    for _ in range(max(10, n_random // 5)):
        t = rng.choice(titles)
        n = rng.randint(2, 8)
        i = rng.randrange(0, len(t) - n)
        s = t[i : i + n]
        if s.strip():
            out.append(("title-substring", s))
    # Traditional spellings of random Simplified substrings
    import zhconv

    for _ in range(max(10, n_random // 5)):
        b = rng.choice(bodies)
        n = rng.randint(2, 5)
        i = rng.randrange(0, len(b) - n)
        s = b[i : i + n]
        trad = zhconv.convert(s, "zh-hant")
        if s.strip():
            out.append(("traditional", trad))
    # ASCII runs from the corpus, their full-width forms and their prefixes
    runs = sorted({m.group(0) for b in bodies[:3000] for m in re.finditer(r"[a-z0-9]+", b)})
    for r in rng.sample(runs, min(len(runs), max(10, n_random // 5))):
        out.append(("ascii", r))
        out.append(("fullwidth", _to_fullwidth(r.upper())))
        if len(r) > 1:
            out.append(("ascii-prefix", r[: len(r) // 2]))
    # phrases across a whitespace run
    spaced = [(t, m.start()) for t in norm_titles for m in re.finditer(r"\s+", t)]
    for t, k in rng.sample(spaced, min(len(spaced), max(5, n_random // 10))):
        out.append(("spaced", t[max(0, k - 3) : k + 4]))
    return out


# --------------------------------------------------------------------------
# Checking
# --------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def check(ixdir: Path, docs: list[Doc], queries: list[tuple[str, str]], verbose: bool) -> bool:
    from whoosh import index

    ix = index.open_dir(str(ixdir))
    norm_titles = [normalize(d.title) for d in docs]
    norm_bodies = [normalize(d.text) for d in docs]
    ok = True
    lat_all: dict[str, list[float]] = {}
    lat_top: dict[str, list[float]] = {}
    tp = fp = fn = 0
    checked = 0
    slowest: list[tuple[float, str, str, int]] = []
    with ix.searcher() as s:
        path_of = {}
        for docnum, fields in s.reader().iter_docs():
            path_of[docnum] = fields["path"]
        idx_of = {d.path: i for i, d in enumerate(docs)}
        docidx = {dn: idx_of[p] for dn, p in path_of.items()}
        for cat, lit in queries:
            pat = literal_pattern(lit)
            for field, texts in (("title", norm_titles), ("body", norm_bodies)):
                expect = {i for i, t in enumerate(texts) if pat.search(t)}
                q = literal_query(field, lit)
                t0 = time.perf_counter()
                got = {docidx[dn] for dn in s.docs_for_query(q)}
                dt = time.perf_counter() - t0
                lat_all.setdefault(cat, []).append(dt)
                if field == "body":
                    t0 = time.perf_counter()
                    s.search(q, limit=10)
                    dt10 = time.perf_counter() - t0
                    lat_top.setdefault(cat, []).append(dt10)
                    slowest.append((max(dt, dt10), lit, type(q).__name__, len(expect)))
                checked += 1
                tp += len(got & expect)
                fp += len(got - expect)
                fn += len(expect - got)
                if got != expect:
                    ok = False
                    print(f"MISMATCH {cat} {lit!r} {field}: index {len(got)} grep {len(expect)} "
                          f"extra {sorted(got - expect)[:5]} missing {sorted(expect - got)[:5]} query {q!r}")
                elif verbose:
                    print(f"ok {cat:16} {field:5} {len(expect):6} {dt * 1000:8.1f} ms  {lit!r}")
    recall = tp / (tp + fn) if tp + fn else 1.0
    precision = tp / (tp + fp) if tp + fp else 1.0
    print(f"\nqueries: {len(queries)} literals x 2 fields = {checked} checks; "
          f"matched doc-field pairs {tp}; recall {recall:.6f} precision {precision:.6f}")
    allv = [v for vs in lat_all.values() for v in vs]
    topv = [v for vs in lat_top.values() for v in vs]
    print(f"latency, all matching docs (docs_for_query): median {statistics.median(allv) * 1000:.1f} ms, "
          f"p95 {pct(allv, 95) * 1000:.1f} ms, max {max(allv) * 1000:.1f} ms")
    print(f"latency, top 10 scored (search limit=10, body): median {statistics.median(topv) * 1000:.1f} ms, "
          f"p95 {pct(topv, 95) * 1000:.1f} ms, max {max(topv) * 1000:.1f} ms")
    print("slowest literals (body; max of all-docs and top-10 latency):")
    for dt, lit, qtype, n in sorted(slowest, reverse=True)[:8]:
        print(f"  {dt * 1000:7.1f} ms  {lit!r} ({qtype}, {n} posts)")
    for cat in sorted(lat_all):
        v = lat_all[cat]
        print(f"  {cat:16} n={len(v) // 2:4}  median {statistics.median(v) * 1000:7.1f} ms  max {max(v) * 1000:7.1f} ms")
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=0, help="index only the first N posts (default all)")
    ap.add_argument("--procs", type=int, nargs="+", default=[1, 2], help="writer processes to time (default 1 2)")
    ap.add_argument("--limitmb", type=int, default=3072, help="writer pool memory per process, MB (default 3072: no spill for 24k posts)")
    ap.add_argument("--merge", action="store_true", help="with procs>1, merge the sub-segments into one (slow: serial)")
    ap.add_argument("--random", type=int, default=150, help="random substring queries (default 150)")
    ap.add_argument("--workdir", type=Path, default=None, help="scratch folder (default a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    ap.add_argument("--reuse", action="store_true", help="with --workdir: query an index already built there")
    ap.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args(argv)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="newsctl-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        docs, how = load_posts(args.posts or None, workdir)
        t_read = time.perf_counter() - t0
        body_bytes = sum(len(d.text.encode("utf-8")) for d in docs)
        title_bytes = sum(len(d.title.encode("utf-8")) for d in docs)
        print(f"{len(docs)} posts read with {how} in {t_read:.1f} s; body text {body_bytes / 1e6:.1f} MB, "
              f"titles {title_bytes / 1e6:.2f} MB")

        t0 = time.perf_counter()
        for d in docs:
            normalize(d.title)
            normalize(d.text)
        print(f"normalize: {time.perf_counter() - t0:.2f} s for all titles+bodies")

        ixdir = None
        for procs in args.procs:
            ixdir = workdir / f"index-p{procs}"
            if args.reuse and ixdir.exists():
                print(f"reusing {ixdir}: {dir_size(ixdir) / body_bytes:.2f}x body text")
                continue
            load = os.getloadavg()[0]
            secs, cpu = build_index(docs, ixdir, procs, args.limitmb, not args.merge)
            size = dir_size(ixdir)
            print(f"build procs={procs} limitmb={args.limitmb}: {secs:.1f} s = {len(docs) / secs:.0f} posts/s "
                  f"(CPU {cpu:.1f} s = {len(docs) / cpu:.0f} posts per CPU-second; load average before "
                  f"{load:.1f}); index {size / 1e6:.1f} MB = {size / body_bytes:.2f}x body text")
        assert ixdir is not None

        norm_titles = [normalize(d.title) for d in docs]
        norm_bodies = [normalize(d.text) for d in docs]
        queries = generate_queries(docs, norm_titles, norm_bodies, args.random)
        ok = check(ixdir, docs, queries, args.verbose)
        print("EXACT" if ok else "NOT EXACT")
        return 0 if ok else 1
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
