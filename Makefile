# Two commands, each from a fresh clone (see README.md):
#   make demo   set up, then complete and explain code in fixtures/demo on the embedded model
#   make test   set up everything the tests need (Python, Node, editors), then run them all
.PHONY: demo test setup setup-test

demo: setup
	.venv/bin/coder-lsp demo

test: setup-test
	.venv/bin/python -m pytest

setup:
	bash .ci/setup python

setup-test:
	bash .ci/setup all
