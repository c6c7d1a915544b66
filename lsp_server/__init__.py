"""coder-lsp: a local-first AI coding assistant language server.

The package holds the pygls server (`server.py`, `features/`), the model
engines and prompt formats (`model/`), the completion pipeline and what
features do with model output (`assist/`), commit-message generation and the
git hook (`commit/`), and the command line (`cli/`). docs/architecture.md
draws the layers.
"""

__version__ = "0.1.0"
