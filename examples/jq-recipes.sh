#!/bin/sh
# jq recipes over newsctl's JSON (docs/json-format.md describes every field).
#
# Usage: jq-recipes.sh [QUERY]            (default 新闻联播)
# Needs jq (https://jqlang.org).
set -eu

query=${1:-新闻联播}

echo "## Hits for $query: date, id, title (tab-separated)"
newsctl search --format jsonl --sort date -- "$query" \
  | jq -r '[.date[:10], .id, .title] | @tsv'

echo
echo "## Snippets with the matches in 【】 (highlights are character offsets into the snippet)"
newsctl search --format jsonl --limit 3 -- "$query" \
  | jq -r 'reduce (.highlights | reverse[]) as $h (.snippet; .[:$h[0]] + "【" + .[$h[0]:$h[1]] + "】" + .[$h[1]:])'

echo
echo "## Posts per category in the whole archive"
newsctl list --format json --limit 0 \
  | jq -r 'map(.categories[]) | group_by(.) | map([.[0], length]) | sort_by(-.[1]) | .[] | @tsv'

echo
echo "## When was $query in the news? Months with posts"
newsctl stats --format json -- "$query" \
  | jq -r '.timeline[] | select(.posts > 0) | "\(.period)\t\(.posts)"'
