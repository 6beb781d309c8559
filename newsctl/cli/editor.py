"""The body of a new post written in the user's editor, as `git commit` does.

$VISUAL, else $EDITOR, else vi; run through /bin/sh with the file as its
argument (`$EDITOR "$@"`), so `EDITOR='code --wait'` works. The draft is a
temp file readable by its owner only (0600, on purpose: it sits in a shared
temp folder); it is removed once the post is written, and kept (its path
printed) when adding fails, so nothing typed is lost.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Mapping

from ..errors import UsageError


def editor_command(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            return value
    if env.get("TERM", "") == "dumb":
        raise UsageError("no editor for the body: $VISUAL and $EDITOR are unset and the terminal is dumb",
                         hint="set EDITOR, or give the body with --body-file or on stdin")
    return "vi"


def edit_body(title: str) -> tuple[str, Path]:
    """Open the editor on an empty draft; (the text written, the draft's path)."""
    command = editor_command()
    fd, name = tempfile.mkstemp(prefix="newsctl-post-", suffix=".md")
    os.close(fd)
    draft = Path(name)
    sys.stderr.write(f"newsctl: waiting for your editor to close the body of {title!r} (an empty body aborts)\n")
    sys.stderr.flush()
    try:
        done = subprocess.run(["/bin/sh", "-c", f'{command} "$@"', command, str(draft)])
    except OSError as e:
        draft.unlink(missing_ok=True)
        raise UsageError(f"cannot run the editor {command!r}: {e.strerror or e}") from None
    if done.returncode != 0:
        draft.unlink(missing_ok=True)
        why = "not found" if done.returncode == 127 else f"exit {done.returncode}"
        raise UsageError(f"the editor {command!r} failed ({why}); nothing written")
    try:
        text = draft.read_text("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{draft}: the body is not UTF-8 text; nothing written (the draft is kept)") from None
    except OSError as e:
        raise UsageError(f"cannot read the body back from {draft}: {e.strerror or e}") from None
    if not text.strip():
        draft.unlink(missing_ok=True)
    return text, draft
