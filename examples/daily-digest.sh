#!/bin/sh
# A digest of one day's posts on a topic, as Markdown: for a mail, a chat, a file.
#
# Usage: daily-digest.sh TOPIC [DAY]      DAY: yesterday (default), today, 2022-02-28, ...
#
# Every morning from cron, after the index is brought up to date (the
# indexing entry is in examples/cron/):
#
#   30 7 * * *  NEWSCTL_ARCHIVE=$HOME/news /path/to/examples/daily-digest.sh 高新区 | mail -s "高新区" me@example.org
#
# cron's PATH is short: put newsctl on it (PATH=$HOME/.local/bin:/usr/bin:/bin
# at the top of the crontab) or call it by its full path. Needs jq.
set -eu

topic=${1:?usage: daily-digest.sh TOPIC [DAY]}
day=${2:-yesterday}

# exit 1 from newsctl means "nothing found": a digest says so; anything else is an error
status=0
hits=$(newsctl search --since "$day" --until "$day" --sort date --format jsonl -- "$topic") || status=$?
case $status in
  0) ;;
  1) echo "# $topic · $day"; echo; echo "No posts."; exit 0 ;;
  *) exit "$status" ;;
esac

count=$(printf '%s\n' "$hits" | wc -l | tr -d ' ')
echo "# $topic · $day · $count post(s)"
printf '%s\n' "$hits" | jq -r '
  "\n## \(.title)\n\n\(.date[11:16]) · \(.categories | join(", "))\n\n> \(.snippet | gsub("\n"; " "))\n\n\(.source // .path)"'
