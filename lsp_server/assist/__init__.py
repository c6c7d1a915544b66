"""What the features do with model output, free of LSP types.

`postprocess` turns raw completion text into a suggestion worth showing;
`cache` serves typed-ahead and speculative completions without a model call;
`explain` and `fix` build the chat prompts for "Explain this error" and "Fix
this error" (shared with the `coder-lsp explain` command line) and read the
model's replies; `pipeline` runs one completion from snapshot to shown text
and `prompt_window` cuts the text it sees. Like
`context/` and `model/`, nothing here imports pygls or lsprotocol.
"""
