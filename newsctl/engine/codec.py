"""CompactCodec: Whoosh's W3 codec writing pickle-free posting blocks (the writing side).
Each segment's TOC pickles the codec by import path: moving it is a schema change.
"""

from __future__ import annotations

import zlib
from array import array
from typing import TYPE_CHECKING, Any

from whoosh.codec.whoosh3 import (
    W3Codec,
    W3FieldWriter,
    W3PostingsWriter,
    W3TermInfo,
)
from whoosh.util.numeric import length_to_byte

if TYPE_CHECKING:  # pragma: no cover
    pass

from .codec_read import (
    _BLOCK_HEAD,
    _INT,
    _USHORT,
    _W_FLOATS,
    _W_INTS,
    _W_ONES,
    _CompactLeafMatcher,
)
from .formats import _VARINT, _varint, _varints


def _block_bytes(
    ids: Any,
    weights: Any,
    values: list[bytes],
    fixed: int | None,
    compression: int,
    maxweight: float,
    minlength: int | None,
    maxlength: int,
    last: bool,
) -> bytes:
    """One posting block: length, header, then varint ids/weights/values.

    *weights* are float32 (an ``array("f")``) as in W3, so term statistics
    and scores are exactly those of Whoosh's own codec.
    """
    small = _VARINT
    if len(ids) == 1:  # the common case: a term in one document
        i = ids[0]
        parts = [small[i] if i < 16384 else _varint(i)]
        w = weights[0]
        if w == 1.0:
            parts.append(b"\x00")
        elif w.is_integer() and 0 <= w < 16384:
            parts.append(b"\x01")
            parts.append(small[int(w)])
        else:
            parts.append(b"\x02")
            parts.append(array("f", weights).tobytes())
        if fixed is None or fixed < 0:
            v = values[0]
            parts.append(small[len(v)] if len(v) < 16384 else _varint(len(v)))
            parts.append(v)
        elif fixed > 0:
            parts.append(values[0])
        data = b"".join(parts)
    else:
        buf = bytearray()
        prev = 0
        deltas = []
        for i in ids:
            deltas.append(i - prev)
            prev = i
        _varints(deltas, buf)
        wset = set(weights)
        if wset == {1.0}:
            buf.append(_W_ONES)
        elif all(w.is_integer() and 0 <= w < 2**31 for w in wset):
            buf.append(_W_INTS)
            _varints([int(w) for w in weights], buf)
        else:
            buf.append(_W_FLOATS)
            buf += array("f", weights).tobytes()
        if fixed is None or fixed < 0:
            _varints([len(v) for v in values], buf)
            buf += b"".join(values)
        elif fixed > 0:
            buf += b"".join(values)
        data = bytes(buf)

    comp = 0
    if compression and len(data) > 96:
        packed = zlib.compress(data, compression)
        if len(packed) < len(data):
            data = packed
            comp = compression
    head = _BLOCK_HEAD.pack(
        len(ids), ids[-1], maxweight, comp, length_to_byte(minlength), length_to_byte(maxlength)
    )
    blocklength = len(head) + len(data)
    return _INT.pack(-blocklength if last else blocklength) + head + data


class _CompactPostingsWriter(W3PostingsWriter):
    """W3 posting blocks without pickle: varint ids, weights and values.

    Why: Whoosh pickles every block with protocol 2, where each ``bytes``
    value becomes a ``_codecs.encode`` call (~13 bytes of overhead per
    posting, before zlib) and weights become 9-byte floats; it also zlibs
    even the tiniest block.  Most bigram postings hold one position.
    """

    def add_posting(self, id_: int, weight: float, vbytes: bytes, length: int | None = None) -> None:
        if len(self._ids) >= self._blocklimit:
            self._write_block()
        self._ids.append(id_)
        self._weights.append(weight)
        if weight > self._maxweight:
            self._maxweight = weight
        self._values.append(vbytes)
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length

    def _write_block(self, last: bool = False) -> None:
        self._terminfo.add_block(self)
        self._postfile.write(
            _block_bytes(
                self._ids,
                self._weights,
                self._values,
                self._format.fixed_value_size(),
                self._compression,
                self._maxweight,
                self._minlength,
                self._maxlength,
                last,
            )
        )
        self._blockcount += 1
        self._new_block()


class _LengthCache:
    """Per-field document lengths read once per field, not once per posting.

    Why: Whoosh's field writer asks the per-document reader for the field
    length of every single posting (~3 us each through the column reader).
    """

    def __init__(self, pdr: Any) -> None:
        self._pdr = pdr
        self._cols: dict[str, list[int]] = {}

    def column(self, fieldname: str) -> list[int]:
        col = self._cols.get(fieldname)
        if col is None:
            pdr = self._pdr
            dfl = pdr.doc_field_length
            col = [dfl(d, fieldname, 0) or 0 for d in range(pdr.doc_count_all())]
            self._cols[fieldname] = col
        return col

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        col = self.column(fieldname)
        if docnum < len(col):
            return col[docnum]
        return self._pdr.doc_field_length(docnum, fieldname, default) or 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pdr, name)


class _CompactFieldWriter(W3FieldWriter):
    def add_postings(self, schema: Any, lengths: Any, items: Any) -> None:
        """Whoosh's loop, but each term's postings are gathered and written at once.

        Why: Whoosh makes a length lookup, an ``add_posting`` call and block
        bookkeeping per posting, and several calls per term; a rebuild of
        the corpus writes ~14M postings of ~640k terms.
        """
        from itertools import groupby
        from operator import itemgetter

        from whoosh.codec.base import OutOfOrderError

        cache = _LengthCache(lengths) if lengths is not None else None
        lastfn: str | None = None
        lasttext = b""
        col: list[int] = []
        for (fieldname, btext), group in groupby(items, itemgetter(0, 1)):
            if fieldname != lastfn:
                if lastfn is not None:
                    if fieldname < lastfn:
                        raise OutOfOrderError("Field %r .. %r" % (lastfn, fieldname))
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                lastfn = fieldname
                col = cache.column(fieldname) if cache is not None else []
            elif btext <= lasttext:
                raise OutOfOrderError("Term %s:%r .. %r" % (fieldname, lasttext, btext))
            lasttext = btext
            rows = list(group)
            if rows[0][2] < 0:  # spelling words (docnum -1): not used by newsctl
                rows = [r for r in rows if r[2] >= 0]
                if not rows:
                    continue
            ids = [r[2] for r in rows]
            values = [r[4] for r in rows]
            if None in values:
                values = [v if v is not None else b"" for v in values]
            try:
                lens = [col[d] for d in ids] if col else [0] * len(ids)
            except IndexError:
                lens = [cache.doc_field_length(d, fieldname) if cache is not None else 0 for d in ids]
            self._write_term(btext, ids, [r[3] for r in rows], values, lens)
        if lastfn is not None:
            self.finish_field()

    def _write_term(self, btext: bytes, ids: list[int], weights: list[float], values: list[bytes], lens: list[int]) -> None:
        """Write one term's postings and its terminfo, as W3 would (minus pickle)."""
        pw = self._postwriter
        limit = pw._blocklimit
        compression = pw._compression
        fixed = self._format.fixed_value_size()
        ti = W3TermInfo()
        n = len(ids)
        if n <= limit:  # one block: most terms
            chunks = [(ids, weights, values, lens)]
        else:
            chunks = [
                (ids[k : k + limit], weights[k : k + limit], values[k : k + limit], lens[k : k + limit])
                for k in range(0, n, limit)
            ]
        blocks = []
        last = len(chunks) - 1
        for c, (bids, bweights, bvalues, blens) in enumerate(chunks):
            bw = array("f", bweights)
            if 0 in blens:
                blens = [ln for ln in blens if ln]
            minlen = min(blens) if blens else None
            maxlen = max(blens) if blens else 0
            maxw = max(0.0, max(bw))
            blocks.append(_block_bytes(bids, bw, bvalues, fixed, compression, maxw, minlen, maxlen, c == last))
            # the statistics W3TermInfo.add_block keeps
            ti._weight += sum(bw)
            ti._df += len(bids)
            if ti._minlength is None:
                ti._minlength = minlen
            elif minlen is not None:
                ti._minlength = min(ti._minlength, minlen)
            if maxlen > ti._maxlength:
                ti._maxlength = maxlen
            if maxw > ti._maxweight:
                ti._maxweight = maxw
            if ti._minid is None:
                ti._minid = bids[0]
            ti._maxid = bids[-1]
        data = b"".join(blocks) if last else blocks[0]
        postfile = self._postfile
        ti.set_extent(postfile.tell(), len(data))
        postfile.write(data)
        self._tindex.add(_USHORT.pack(self._fieldid) + btext, ti.to_bytes())


class CompactCodec(W3Codec):
    """Whoosh's W3 codec with compact posting blocks (same files, same terms).

    Pass it to every writer: ``ix.writer(codec=analysis.CompactCodec())``.
    Each segment records its codec (pickled in the TOC: this class must stay
    importable here), so segments written by the default codec stay readable
    side by side.  Posting lists are never inlined into the term table
    (``inlinelimit`` is accepted for compatibility only; 1 is W3's default,
    which never inlines either).  Blocks over 96 bytes are zlib'd at
    *compression* when that makes them smaller.
    """

    def __init__(self, blocklimit: int = 128, compression: int = 3, inlinelimit: int = 1) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def new_segment(self, storage: Any, indexname: str) -> Any:
        """A segment named from the OS's entropy, not from `random`.

        Why: Whoosh names segments with `random.choice`, whose state a forked
        process (index helpers, the warm server's workers) or a seeded test
        shares with its parent: two writers then pick the same name and the
        second commit trips over the first's files.
        """
        from whoosh.codec.whoosh3 import W3Segment

        return W3Segment(self, indexname, segid=segment_id())

    def field_writer(self, storage: Any, segment: Any) -> Any:
        return _CompactFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        if byteids:  # term vectors are read by W3's own matcher
            return super().postings_writer(dbfile, byteids=byteids)
        return _CompactPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=False,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def postings_reader(self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None, scorer: Any = None) -> Any:
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return _CompactLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


_IDCHARS = "0123456789abcdefghijklmnopqrstuvwxyz"  # whoosh.util.IDCHARS: names stay file-safe


def segment_id(size: int = 16) -> str:
    """A fresh segment id (16 of 36 characters, ~82 bits from os.urandom)."""
    import secrets

    return "".join(secrets.choice(_IDCHARS) for _ in range(size))
