"""Repository context for code completion, computed with tree-sitter.

This package knows nothing of LSP or of the model: it speaks plain Python
(str, offsets, frozen dataclasses). It owns the languages and their queries,
the workspace index, and retrieval of context snippets for a cursor.
"""
