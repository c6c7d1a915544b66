"""`python -m lsp_server`: the same as the `coder-lsp` console script."""

import sys

from lsp_server.cli import main

sys.exit(main())
