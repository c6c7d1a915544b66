"""What the features do with model output, free of LSP types.

`postprocess` turns raw completion text into a suggestion worth showing;
`cache` serves typed-ahead and speculative completions without a model call;
`explain` and `fix` build the chat prompts for "Explain this error" and "Fix
this error" (shared with the `coder-lsp explain` command line) and read the
model's replies; `scripted` slows or breaks an engine for timing tests. Like
`context/` and `model/`, nothing here imports pygls or lsprotocol.
"""
