#!/bin/sh
# news-mail.sh ARCHIVE: index the archive, then mail (or log) only what is new for its watches.
#
#   NEWS_TO=me@example.org news-mail.sh ~/news    # mail the news, if any
#   NEWS_LOG=~/news.log news-mail.sh ~/news       # append it to a log instead
#   news-mail.sh ~/news                           # print it (cron mails a job's output)
#
# Set up the watches once: newsctl --archive ~/news watch add gaoxin 高新区
#
# `newsctl news` marks posts read only after it has written them all out (and
# synced the file), so what it printed is kept in a pending file until the mail
# went out: a failed `mail` (or a crash) sends it with the next run's news
# instead of losing it. MAIL_COMMAND replaces `mail` (it gets -s SUBJECT ADDRESS
# and the text on stdin). Exit 0 when done (news or not), else newsctl's code.
set -u

archive=${1:?usage: news-mail.sh ARCHIVE}
pending=${NEWS_PENDING:-$archive/.newsctl/news-pending.txt}

newsctl --archive "$archive" index --quiet --wait 120
rc=$?
# 2: some posts could not be read (index says which on stderr); the rest is indexed
[ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] || exit "$rc"

newsctl --archive "$archive" --color never news >> "$pending"
rc=$?
[ "$rc" -le 1 ] || exit "$rc"  # 0 news, 1 none; anything else: nothing was marked read
[ -s "$pending" ] || { rm -f "$pending"; exit 0; }

if [ -n "${NEWS_TO-}" ]; then
    ${MAIL_COMMAND:-mail} -s "news from $(basename "$archive"), $(date +%Y-%m-%d\ %H:%M)" "$NEWS_TO" < "$pending" || exit 75
elif [ -n "${NEWS_LOG-}" ]; then
    { date "+== %Y-%m-%d %H:%M"; cat "$pending"; } >> "$NEWS_LOG" || exit 75
else
    cat "$pending"
fi
rm -f "$pending"
