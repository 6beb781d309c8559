"""Searching: the query language, running a query with the word fallback, snippets, stats.

The query tree is compiled to Whoosh in engine.compile (the language itself is newsctl.query); nothing here imports whoosh.
"""
