"""The README's set-up commands: what .ci/run runs, and that they can run in order.

The first command indexes examples/archive in place; tests that start from the
example archive must copy its posts only, or the second command's tests see
that index (the set-up once failed exactly so).
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
from pathlib import Path

from conftest import copy_example_archive

ROOT = Path(__file__).resolve().parent.parent


def _readme_setup():
    spec = importlib.util.spec_from_file_location("readme_setup", ROOT / ".ci" / "readme_setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ci_reads_the_two_setup_commands_from_the_readme():
    commands = _readme_setup().setup_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(commands) == 2
    first, second = commands
    assert "examples/archive" in first and " index" in first
    assert "pytest" in second
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "readme_setup.py README.md" in run and "git status --porcelain" in run


def test_readme_setup_skips_comments_and_stops_at_the_block_end():
    text = "# x\n\n## Set-up\n\ntext\n\n```sh\n# a comment\ncmd one\n\ncmd two\n```\n\n```sh\nlater\n```\n"
    assert _readme_setup().setup_commands(text) == ["cmd one", "cmd two"]


def test_example_copy_leaves_an_index_made_in_place_behind(tmp_path):
    src = tmp_path / "src"
    (src / "_posts").mkdir(parents=True)
    (src / "_posts" / "2022-01-01-a.md").write_text("---\ntitle: a\n---\nbody\n", encoding="utf-8")
    (src / ".newsctl").mkdir()
    (src / ".newsctl" / "config.toml").write_text("", encoding="utf-8")
    dest = copy_example_archive(tmp_path / "dest", src)
    assert (dest / "_posts" / "2022-01-01-a.md").is_file()
    assert not (dest / ".newsctl").exists()


def test_no_test_copies_the_example_archive_whole():
    """copytree(examples/archive) would carry the README's in-place index into a test."""
    offenders = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "copytree" and node.args:
                source = ast.unparse(node.args[0])
                if "EXAMPLES" in source or "examples" in source:
                    offenders.append(f"{path.name}:{node.lineno}: copytree({source})")
    assert not offenders, offenders


def test_checkout_ignores_what_the_first_command_writes():
    for written in ("examples/archive/.newsctl/index", ".venv/bin/newsctl", "newsctl.egg-info/PKG-INFO"):
        ignored = subprocess.run(["git", "check-ignore", "-q", written], cwd=ROOT, capture_output=True)
        if ignored.returncode == 128:  # not a git checkout (an sdist): nothing to check
            return
        assert ignored.returncode == 0, f"{written} would show in git status"


def test_whoosh_is_pinned_to_the_27_series_with_the_reason():
    """The codec subclasses whoosh-reloaded 2.7 internals: a 2.8 could break the index format."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    lines = text.splitlines()
    (i,) = [n for n, line in enumerate(lines) if '"whoosh-reloaded' in line]
    assert '"whoosh-reloaded>=2.7.5,<2.8"' in lines[i]
    comment = " ".join(line for line in lines[max(i - 3, 0):i] if line.strip().startswith("#"))
    assert "2.7" in comment and "W3" in comment and "maintained" in comment
