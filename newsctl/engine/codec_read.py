"""Reading the posting blocks CompactCodec writes, block-wise where a matcher can use it;
the block layout is defined here and shared with the writer.
"""

from __future__ import annotations

import struct
import zlib
from array import array
from typing import TYPE_CHECKING, Iterator

from whoosh.codec.whoosh3 import (
    W3LeafMatcher,
)
from whoosh.util.numeric import byte_to_length

if TYPE_CHECKING:  # pragma: no cover
    pass

from .formats import _read_varints

# The block layout shared with the writer (codec.py).
_INT = struct.Struct("!i")  # StructFile.write_int's encoding
_UINT = struct.Struct("!I")  # whoosh.system.pack_uint
_USHORT = struct.Struct("!H")  # whoosh.system.pack_ushort (field ids in term keys)
_BLOCK_HEAD = struct.Struct("!IIfBBB")  # count, last id, max weight, zlib level, min/max length byte
_W_ONES, _W_INTS, _W_FLOATS = 0, 1, 2


class _CompactLeafMatcher(W3LeafMatcher):
    """Reads blocks written by :class:`_CompactPostingsWriter`."""

    def _read_header(self) -> None:
        self._baseoffset = self._startoffset

    def _goto(self, position: int) -> None:
        postfile = self._postfile
        self._data = None
        self._ids = None
        self._weights = None
        self._values = None
        self._i = 0
        postfile.seek(position)
        length = postfile.read_int()
        if length < 0:
            self._lastblock = True
            length = -length
        self._nextoffset = position + 4 + length
        head = postfile.read(_BLOCK_HEAD.size)
        (
            self._blocklength,
            self._maxid,
            self._maxweight,
            self._compression,
            mnlen,
            mxlen,
        ) = _BLOCK_HEAD.unpack(head)
        self._dataoffset = position + 4 + _BLOCK_HEAD.size
        self._minlength = byte_to_length(mnlen)
        self._maxlength = byte_to_length(mxlen)

    def _read_data(self) -> None:
        raw = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        if self._compression:
            raw = zlib.decompress(raw)
        n = self._blocklength
        deltas, pos = _read_varints(raw, 0, n)
        ids = []
        prev = 0
        for d in deltas:
            prev += d
            ids.append(prev)
        kind = raw[pos]
        pos += 1
        if kind == _W_ONES:
            weights = [1.0] * n
        elif kind == _W_INTS:
            ints, pos = _read_varints(raw, pos, n)
            weights = [float(w) for w in ints]
        else:
            weights = list(array("f", raw[pos : pos + 4 * n]))
            pos += 4 * n
        fixed = self._fixedsize
        if fixed is None or fixed < 0:
            lengths, pos = _read_varints(raw, pos, n)
            values = []
            for ln in lengths:
                values.append(raw[pos : pos + ln])
                pos += ln
        elif fixed == 0:
            values = [None] * n
        else:
            values = [raw[pos + k * fixed : pos + (k + 1) * fixed] for k in range(n)]
        self._data = (ids, weights, values)

    def block_ids(self) -> Iterator[list[int]]:
        """The document numbers of each block from here on."""
        while self.is_active():
            if self._data is None:
                self._read_data()
            yield self._data[0][self._i :]
            self._i = self._blocklength - 1
            self.next()

    def all_block_items(self) -> Iterator[tuple[int, float, bytes]]:
        """Every (docnum, weight, value) from here on, a block at a time."""
        while self.is_active():
            if self._data is None:
                self._read_data()
            ids, weights, values = self._data
            i = self._i
            if i:
                yield from zip(ids[i:], weights[i:], values[i:])
            else:
                yield from zip(ids, weights, values)
            self._i = self._blocklength - 1
            self.next()

    def _read_ids(self) -> None:
        if self._data is None:
            self._read_data()
        self._ids = self._data[0]

    def _read_weights(self) -> None:
        if self._data is None:
            self._read_data()
        self._weights = self._data[1]

    def _read_values(self) -> None:
        if self._data is None:
            self._read_data()
        self._values = self._data[2]
