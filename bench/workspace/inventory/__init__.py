"""A small stock-keeping package: the workspace the typing benchmark edits."""
