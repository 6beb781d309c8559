#!/bin/sh
# fzf-search.sh [QUERY]: search as you type, pick a post with a preview, open it.
#
#   examples/fzf-search.sh            # start empty and type
#   examples/fzf-search.sh 高新区     # start with a query (edit it to search again)
#
# Every change to the query re-runs `newsctl search --format tsv` (one line a
# hit: id, title, date, tab-separated) and fzf shows title and date; the
# preview on the right is `newsctl show`. Enter opens the post with
# $NEWSCTL_OPEN, a command that takes a post id (default: `newsctl show`, in
# its pager); Esc quits (exit 1, as nothing was picked). The query language is
# that of `newsctl search` (fzf's own fuzzy matching is off: --disabled).
# FZF_SEARCH_LIMIT hits at most (default 200).
#
# Without a terminal, for scripts and tests:
#   fzf-search.sh --lines QUERY         print the lines fzf is given (the reload command)
#   fzf-search.sh --filter TEXT QUERY   pick the first hit fzf's non-interactive filter
#                                       keeps for TEXT, then open it
#
# Needs fzf 0.25 or newer (Debian/Ubuntu: apt install fzf).
set -eu

limit=${FZF_SEARCH_LIMIT:-200}
tab=$(printf '\t')

if [ "${1-}" = "--lines" ]; then
    shift
    [ -n "$*" ] || exit 0  # an empty query: an empty list
    # while typing, a half-written query ('"unclosed') or no hit is an empty list
    newsctl search --format tsv --limit "$limit" -- "$@" 2>/dev/null || true
    exit 0
fi

command -v fzf >/dev/null 2>&1 || { echo "fzf-search.sh: fzf is not installed" >&2; exit 2; }

pick=""
if [ "${1-}" = "--filter" ]; then
    [ $# -ge 2 ] || { echo "usage: fzf-search.sh --filter TEXT [QUERY]" >&2; exit 2; }
    pick=$2
    shift 2
fi
query="$*"
self=$0
case $self in */*) ;; *) self=./$self ;; esac

if [ -n "$pick" ]; then
    line=$(sh "$self" --lines "$query" | fzf --filter "$pick" --delimiter "$tab" --with-nth 2,3 | head -n 1)
else
    line=$(sh "$self" --lines "$query" | fzf --disabled --query "$query" \
        --bind "change:reload:sh '$self' --lines {q}" \
        --delimiter "$tab" --with-nth 2,3 \
        --preview 'newsctl --color always show --no-pager {1}' --preview-window 'right,60%,wrap' \
        --prompt 'newsctl search> ' --header 'type a query · Enter opens · Esc quits') || true
fi
[ -n "$line" ] || exit 1
id=$(printf '%s\n' "$line" | cut -f 1)
# shellcheck disable=SC2086  # NEWSCTL_OPEN is a command with its options
exec ${NEWSCTL_OPEN:-newsctl show} "$id"
