"""Files `add` writes keep one format, byte for byte.

tests/data/written/<name> holds what `newsctl add --title ...` wrote at e5344e7
(before posts were written through python-frontmatter) for the fields of
tests/data/posts/<name>: the writer may change how it works, never what it writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsctl.archive import Archive
from newsctl.cli import main
from newsctl.posts.post import read_post

DATA = Path(__file__).parents[1] / "data"
POSTS = sorted((DATA / "posts").iterdir())


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    for var in ("NEWSCTL_ARCHIVE", "NEWSCTL_INDEX_DIR", "NEWSCTL_TIMEZONE", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def test_every_test_post_has_its_expected_file():
    assert sorted(p.name for p in (DATA / "written").iterdir()) == [p.name for p in POSTS]


def test_add_writes_the_same_bytes_as_before(tmp_path, tz):
    (tmp_path / "_posts").mkdir()
    arc = Archive.open(tmp_path, timezone="Asia/Shanghai")
    for src in POSTS:
        p = read_post(src, tz)
        result = arc.create(
            title=p.title, body=p.body, date=p.date, categories=p.categories, tags=p.tags, source=p.source, force=True
        )
        assert result.added and not result.failed, src.name
        assert result.added[0].read_bytes() == (DATA / "written" / src.name).read_bytes(), src.name


@pytest.mark.parametrize("name", ["2022-02-28-NW202202282290536398.md", "2022-01-01-xwlb2022010100.md"])
def test_add_from_flags_writes_the_same_bytes_as_before(tmp_path, tz, capsys, name):
    p = read_post(DATA / "posts" / name, tz)
    (tmp_path / "_posts").mkdir()
    body = tmp_path / "body.md"
    body.write_text(p.body, encoding="utf-8")
    args = ["--archive", str(tmp_path), "add", "--title", p.title, "--date", p.date.strftime("%Y-%m-%d %H:%M:%S %z")]
    args += [f"--category={c}" for c in p.categories] + [f"--tag={t}" for t in p.tags]
    args += ["--source", p.source or "", "--body-file", str(body)]
    assert main(args) == 0, capsys.readouterr().err
    (written,) = (tmp_path / "_posts").iterdir()
    assert written.read_bytes() == (DATA / "written" / name).read_bytes()
