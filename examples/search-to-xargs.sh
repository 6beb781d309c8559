#!/bin/sh
# Which posts mention a word most? Feed the matching post files to grep.
#
# --format paths -0 ends every path with a NUL byte and xargs -0 splits on
# it, so any file name is safe (spaces, quotes, newlines). newsctl exits 1
# when nothing matches; xargs -r then runs nothing.
#
# Usage: search-to-xargs.sh [WORD]        (default 高新区)
#        NEWSCTL_ARCHIVE=~/news search-to-xargs.sh 猪肉
set -eu

word=${1:-高新区}

# path:count for each matching post, most mentions first
newsctl search --format paths -0 -- "$word" \
  | xargs -0 -r grep -c -H -F -- "$word" \
  | sort -t: -k2,2nr
