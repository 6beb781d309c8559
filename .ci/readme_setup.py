"""Print the README's set-up commands, one a line: the first ```sh block under '## Set-up'.

.ci/run runs exactly these, so what a new user copies is what CI checks.
"""

from __future__ import annotations

import sys


def setup_commands(text: str) -> list[str]:
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip().lower() == "## set-up")
    except StopIteration:
        raise SystemExit("readme_setup: no '## Set-up' heading") from None
    commands: list[str] = []
    inside = False
    for line in lines[start + 1:]:
        if not inside and line.startswith("```"):
            inside = True
            continue
        if inside and line.startswith("```"):
            return commands
        if inside and line.strip() and not line.lstrip().startswith("#"):
            commands.append(line.strip())
    raise SystemExit("readme_setup: no closed code block under '## Set-up'")


if __name__ == "__main__":
    with open(sys.argv[1] if len(sys.argv) > 1 else "README.md", encoding="utf-8") as f:
        print("\n".join(setup_commands(f.read())))
