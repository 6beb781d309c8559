"""Benchmark archives made from the real corpus (`../shared/corpus/xwlb-posts.tar.xz`).

Under the work folder:

    src/xwlb/                 the tarball unpacked once (24,090 posts)
    a24k/_posts/              every post, under its own name        (full run)
    a96k/_posts/              four copies, YYYY-MM-DD-c1-<slug>.md ... c4-  (full run)
    q<N>/_posts/, q<N>x4/     every k-th post / four copies of them (--quick)
    add-<N>/                  100 new posts for `newsctl add` (see make_add_inputs)

Archives are real copies (not hard links), and are reused when their
`_posts/` already holds the expected files, so a second run starts at once.
File names keep their date prefix, so `rg -g '2023-07-*'` is the natural
date filter for ripgrep on every archive.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

CORPUS_POSTS = 24090
COPY_PREFIXES = ("c1", "c2", "c3", "c4")
_DATE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)$")
_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.S)
_TITLE = re.compile(r'^title:\s*"?(.*?)"?\s*$', re.M)
_SOURCE = re.compile(r"<(https?://[^>\s]+)>")


def default_tarball(project: Path) -> Path:
    return (project / ".." / "shared" / "corpus" / "xwlb-posts.tar.xz").resolve()


def unpack(tarball: Path, work: Path) -> Path:
    """The unpacked corpus folder (src/xwlb), unpacking only once."""
    src = work / "src"
    folder = src / "xwlb"
    done = src / ".complete"
    if done.exists() and folder.is_dir():
        return folder
    if not tarball.exists():
        raise FileNotFoundError(f"corpus tarball not found: {tarball}")
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    subprocess.run(["tar", "-xJf", str(tarball), "-C", str(src)], check=True)
    done.write_text("ok\n")
    return folder


def corpus_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix == ".md" and not p.name.startswith("."))


def renamed(name: str, prefix: str) -> str:
    """`2022-01-01-xwlb2022010100.md` -> `2022-01-01-c1-xwlb2022010100.md` (date prefix kept)."""
    m = _DATE_NAME.match(name)
    return f"{m[1]}-{prefix}-{m[2]}" if m else f"{prefix}-{name}"


def build_archive(dest: Path, files: list[Path], prefixes: tuple[str, ...] | None = None) -> Path:
    """`dest/_posts/` holding `files` (or one renamed copy per prefix); reused when complete."""
    posts = dest / "_posts"
    marker = dest / ".bench-archive.json"
    expected = len(files) * (len(prefixes) if prefixes else 1)
    want = {"files": expected, "first": files[0].name if files else "", "prefixes": list(prefixes or ())}
    if marker.exists() and posts.is_dir():
        try:
            if json.loads(marker.read_text()) == want and sum(1 for _ in os.scandir(posts)) == expected:
                return dest
        except (OSError, ValueError):
            pass
    shutil.rmtree(dest, ignore_errors=True)
    posts.mkdir(parents=True)
    for f in files:
        if prefixes:
            for p in prefixes:
                shutil.copyfile(f, posts / renamed(f.name, p))
        else:
            shutil.copyfile(f, posts / f.name)
    marker.write_text(json.dumps(want))
    return dest


def make_add_inputs(dest: Path, files: list[Path], count: int = 100) -> Path:
    """`count` posts that the archive does not hold yet, for `newsctl add`.

    They are real corpus posts, evenly spread over the years, made new the way
    a re-broadcast would be: the title gets a `（重播）` prefix, the source URL a
    `?rerun=1` query, and the file name an `r-` slug prefix. So `add` finds no
    duplicate (neither by source nor by title+date+text) and writes each one.
    """
    marker = dest / ".bench-add.json"
    if marker.exists() and len(list(dest.glob("*.md"))) == count:
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    step = max(1, len(files) // count)
    picked = files[step // 2 :: step][:count]
    for f in picked:
        text = f.read_text("utf-8")
        text = _TITLE.sub(lambda m: f'title: "（重播）{m[1]}"', text, count=1)
        text = _SOURCE.sub(lambda m: f"<{m[1]}?rerun=1>", text)
        (dest / renamed(f.name, "r")).write_text(text, "utf-8")
    marker.write_text(json.dumps({"count": len(picked)}))
    return dest


def pick_every(files: list[Path], n: int) -> list[Path]:
    """About `n` posts spread evenly over the whole corpus (every k-th file)."""
    step = max(1, len(files) // n)
    return files[::step][:n]


# --- body text size ---------------------------------------------------------------


def split_front_matter(text: str) -> tuple[str, str]:
    """(front matter, body) of a Jekyll post; ('', text) when there is none."""
    stripped = text.lstrip()
    if not stripped.startswith("---"):
        return "", text
    end = stripped.find("\n---", 3)
    if end < 0:
        return "", text
    nl = stripped.find("\n", end + 4)
    return stripped[3:end], ("" if nl < 0 else stripped[nl + 1 :])


def plain_text(body: str) -> str:
    """Body without markup: HTML comments and tags (the `<url>` source autolink
    too) removed, entities decoded, whitespace runs collapsed to one space."""
    return " ".join(html.unescape(_TAG.sub(" ", body)).split())


@dataclass
class TextSize:
    posts: int
    file_bytes: int  # whole files
    raw_body_bytes: int  # after the front matter, as written (Markdown / HTML)
    plain_body_bytes: int  # plain_text(body), UTF-8
    title_bytes: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def text_size(posts_dir: Path) -> TextSize:
    files = raw = plain = titles = n = 0
    for entry in os.scandir(posts_dir):
        if not entry.name.endswith(".md"):
            continue
        data = Path(entry.path).read_bytes()
        text = data.decode("utf-8", "replace")
        front, body = split_front_matter(text)
        m = _TITLE.search(front)
        n += 1
        files += len(data)
        raw += len(body.encode("utf-8"))
        plain += len(plain_text(body).encode("utf-8"))
        titles += len(m[1].encode("utf-8")) if m else 0
    return TextSize(n, files, raw, plain, titles)


def dir_bytes(folder: Path) -> int:
    """Bytes of the files under `folder` (following a top-level symlink, not inner ones)."""
    total = 0
    for root, _dirs, names in os.walk(folder.resolve()):
        for name in names:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total
