"""Text as the index and the reference grep see it: normalisation, units and terms, words.

Nothing here imports whoosh: snippets, highlights and the query parser use it cheaply.
"""
