"""Files <-> index reconciliation: `index`, the index part of `add`, `status`, `check`.

Change detection (no post is read when nothing changed):

1. Walk `_posts/` and stat every post file: (mtime_ns, size, inode, ctime_ns).
2. Compare with the live index's manifest (sync/manifest.py): same stat and not
   "racy" -> unchanged, never opened. A racy entry is one whose bytes were
   read less than `RACY_NS` after the file last changed: a second write in
   the same timestamp tick could have gone unseen, so it is read once more.
3. Anything else is read and hashed (sha1): the same bytes as indexed ->
   only the manifest learns the new stat; other bytes -> the post is parsed
   and its document replaced. Files in the manifest but not on disk are
   deleted from the index. Deletions and additions go into one Whoosh commit.
4. A post that cannot be parsed is reported once, remembered in the
   manifest with its stat and digest, and not read again until it changes.

Writers hold the archive's write lock (lock.py) for the whole run. Whoosh's
writer is never left half-used: any exception cancels it (a document whose
analysis raised leaves its postings in Whoosh's pool, so the run restarts
without that post instead of committing them). SIGINT/SIGTERM become
`Interrupted` in the main thread (cli/__init__.py): the writer is cancelled,
an unfinished rebuild folder removed, the run recorded as interrupted.

Big batches (a first build, --rebuild) may be read by forked helper
processes, each writing a segment of its own that the parent adds to its
single commit. Helpers ignore SIGINT, are killed with their parent
(PR_SET_PDEATHSIG, so kill -9 leaves none behind) and close their copy of
the archive lock.
"""
