"""Everything that imports whoosh: schema, analyzers, formats, codec, matchers, storage, writer.

Whoosh pickles the schema (analyzer, format and field classes) and each
segment's codec into the index **by import path**: moving or renaming one of
those classes, or changing what tokens they emit, is a schema change -- bump
``engine.schema.SCHEMA_VERSION`` (it includes ``text.normalize.ANALYSIS_VERSION``)
and old indexes are rebuilt instead of failing or silently mis-matching.
What may change freely: compile.py, searching.py, reader.py, writer.py,
storage.py (file layout aside), matchers.py.

The search contract this module makes true
-------------------------------------------
Text is normalised the same way at index and at query time (``text.normalize``):
NFKC (full-width forms become half-width), lower case, Traditional Chinese
characters become Simplified (character by character, from zhconv's
``zh2Hans`` table), invisible format/control characters are dropped.

On normalised text a *literal* (one query term or one quoted phrase) matches
exactly where ``text.units.literal_pattern`` (the reference "grep") matches:

* every character that is not whitespace and not ``[a-z0-9]`` matches as a
  plain substring (``高新`` matches ``高新区``; ``猪`` matches one character);
* a run of ``[a-z0-9]`` is a whole token: ``5g`` matches ``5g网络`` but not
  ``25g`` or ``5gb``;
* whitespace inside a literal matches one whole run of whitespace in the text
  (at least one character); whitespace at the ends of a literal is ignored.

How the index makes that exact
------------------------------
The normalised text is cut into *units*, each with one position: a maximal
run of ``[a-z0-9]`` (term = the run), a maximal run of whitespace (term =
``" "``), and every other character on its own (a *char unit*).  At a char
unit the term is the bigram (char + next char) when the next unit is also a
char unit, else the char alone; a char unit that starts a run of char units
additionally gets its single char as a term at the same position (so ``A股``
is the phrase ``a`` + ``股`` whatever follows 股).  A literal then becomes an
:class:`ExactPhrase` over the same terms at consecutive positions (see
:func:`literal_query`); a single character becomes a :class:`CharPrefix`
(its unigram and every bigram it starts).

Storage and speed (measured on the 24,090-post xwlb corpus, see
``benchmarks/analysis_exactness.py``): :class:`VarintPositions` stores
positions as varint deltas, and :class:`CompactCodec` (Whoosh's W3 codec
with pickle-free posting blocks) must be passed to every writer; together
they cut the index from 7.3x to 3.5x the body text and the build CPU by
half.  :class:`ExactText`/:class:`WordText` index without Token objects.

Schema (``schema.py``)::

    title = exact_field(stored=True)   # ExactText + ExactAnalyzer + VarintPositions
    body  = exact_field()              # not stored: snippets re-read the post
    words = word_field()               # WordText + WordAnalyzer + WordFrequency
    ix.writer(codec=CompactCodec(), limitmb=..., ...)
"""

