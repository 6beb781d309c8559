"""How often `newsctl related` finds the same story: top-N precision on random corpus posts.

    python benchmarks/related_quality.py [--posts 50] [--top 5] [--seed 15] [--work DIR]

Builds (or reuses) the 24,090-post archive of benchmarks/prepare.py, indexes it,
picks `--posts` posts at random (seeded) and asks `Archive.related` for the top
`--top` of each. A result *shares the story* with the post asked about when they
have a **title word** in common or a **named entity** in common:

- title words: rjieba words of the title, two characters or more, not numbers;
- named entities: words rjieba tags as a person, place, organisation or other
  proper noun (`nr*`, `ns*`, `nt*`, `nz*`), two characters or more, in the title
  or the first 150 characters of the text (the lead);
- either way, words found in more than 1% of the posts' titles and leads are no
  evidence (新闻联播, 习近平, 中国, 发展 ... are everywhere in this corpus).

The same measure over `--top` random posts for each is the baseline. Prints
the figures, a few examples, and with `--json FILE` saves them.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))

import prepare  # noqa: E402

ENTITY_FLAGS = ("nr", "ns", "nt", "nz")
LEAD_CHARS = 150
COMMON_SHARE = 0.01


def _words(rjieba, text: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {w for w in rjieba.cut(text) if len(w) >= 2 and not w.replace(".", "").isdigit() and w.strip()}


def _entities(rjieba, text: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {w for w, flag in rjieba.tag(text) if len(w) >= 2 and flag.startswith(ENTITY_FLAGS)}


class Markers:
    """Each post's story markers (title words, named entities), common words dropped."""

    def __init__(self, posts: dict[str, tuple[str, str]]) -> None:
        import rjieba

        from newsctl.text.normalize import normalize

        self.title: dict[str, set[str]] = {}
        self.entity: dict[str, set[str]] = {}
        df: Counter[str] = Counter()
        for key, (title, text) in posts.items():
            t, lead = normalize(title), normalize(text[:LEAD_CHARS])
            self.title[key] = _words(rjieba, t)
            self.entity[key] = _entities(rjieba, f"{t}\n{lead}")
            df.update(self.title[key] | self.entity[key] | _words(rjieba, lead))
        limit = COMMON_SHARE * len(posts)
        self.common = {w for w, n in df.items() if n > limit}
        for table in (self.title, self.entity):
            for key in table:
                table[key] -= self.common

    def shared(self, a: str, b: str) -> tuple[bool, bool]:
        """(a title word in common, a named entity in common)."""
        return bool(self.title[a] & self.title[b]), bool(self.entity[a] & self.entity[b])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=HERE / "work")
    ap.add_argument("--tarball", type=Path, default=prepare.default_tarball(PROJECT))
    ap.add_argument("--newsctl", default=str(PROJECT / ".venv" / "bin" / "newsctl"))
    ap.add_argument("--posts", type=int, default=50)
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--examples", type=int, default=4)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--title-weight", type=int, help="count the title this many times (default: newsctl's TITLE_WEIGHT)")
    args = ap.parse_args()
    if args.title_weight is not None:
        import newsctl.engine.similar as similar

        similar.TITLE_WEIGHT = args.title_weight

    src = prepare.unpack(args.tarball, args.work)
    files = prepare.corpus_files(src)
    arc_dir = prepare.build_archive(args.work / "a24k", files)
    t0 = time.monotonic()
    subprocess.run([args.newsctl, "--archive", str(arc_dir), "index", "--quiet"], check=True)
    print(f"index: {time.monotonic() - t0:.1f} s", file=sys.stderr)

    from newsctl.archive import Archive
    from newsctl.posts.post import read_post

    arc = Archive.open(arc_dir)
    tz = arc.settings.timezone
    paths = arc.post_paths()
    posts = {}
    for p in paths:
        post = read_post(p, tz)
        posts[p.stem] = (post.title, post.text)
    markers = Markers(posts)
    rng = random.Random(args.seed)
    sample = rng.sample(paths, args.posts)

    rows, seconds = [], []
    for p in sample:
        t = time.monotonic()
        result = arc.related(p, limit=args.top)
        seconds.append(time.monotonic() - t)
        hits = [h.record.id for h in result.hits]
        baseline = [q.stem for q in rng.sample(paths, args.top)]
        rows.append({
            "id": p.stem, "title": posts[p.stem][0], "terms": [t for t, _ in result.terms[:6]],
            "hits": [{"id": h, "title": posts[h][0], "shared": markers.shared(p.stem, h)} for h in hits],
            "baseline": [markers.shared(p.stem, b) for b in baseline],
        })

    def rate(pairs: list[tuple[bool, bool]], which: str) -> float:
        ok = [(t or e) if which == "any" else (t if which == "title" else e) for t, e in pairs]
        return sum(ok) / len(ok) if ok else 0.0

    got = [tuple(h["shared"]) for r in rows for h in r["hits"]]
    base = [tuple(b) for r in rows for b in r["baseline"]]
    figures = {
        "posts": args.posts, "top": args.top, "seed": args.seed, "corpus": len(paths),
        "results": len(got),
        "share_story": rate(got, "any"), "share_title_word": rate(got, "title"), "share_entity": rate(got, "entity"),
        "baseline_share_story": rate(base, "any"),
        "posts_with_a_story_hit_first": sum(1 for r in rows if r["hits"] and any(r["hits"][0]["shared"])) / len(rows),
        "posts_with_no_story_hit": sum(1 for r in rows if not any(any(h["shared"]) for h in r["hits"])),
        "seconds_median": sorted(seconds)[len(seconds) // 2], "seconds_max": max(seconds),
        "common_words_dropped": len(markers.common),
        "title_weight": __import__("newsctl.engine.similar", fromlist=["x"]).TITLE_WEIGHT,
    }
    print(json.dumps(figures, ensure_ascii=False, indent=1))
    for r in rows[: args.examples]:
        print(f"\n{r['id']}  {r['title']}\n  key terms: {' · '.join(r['terms'])}")
        for n, h in enumerate(r["hits"], 1):
            flag = "T" if h["shared"][0] else "-"
            flag += "E" if h["shared"][1] else "-"
            print(f"  {n}. [{flag}] {h['title']}  ({h['id']})")
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, "rows": rows}, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
