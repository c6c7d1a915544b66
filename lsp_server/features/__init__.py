"""LSP features, one method family per module, each with `register(server)`.

`server.create_server` imports the modules named in FEATURES, in order, and
calls their `register`. Other parts add their one line here.
"""

FEATURES = [
    "lifecycle",
    "documents",
    "inline_completion",
    "completion",
    "code_actions",
    "commands",
    "commit_message",
    "models",
]
