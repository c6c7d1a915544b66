"""Drive a real headless Neovim with pynvim: start it with the coder-lsp plugin on
its runtimepath and a config pointing at the real server, type into it, and
wait for what the user would see (extmarks, floats, buffer text).

Neovim runs as an embedded child with HOME and XDG_* in a temp folder (the
`isolated_home` fixture), so no user config or plugin is involved. Waiting
polls Neovim's state; nothing asserts on time.
"""

from __future__ import annotations

import json
import os
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path

import pynvim

from tests.conftest import CODER_LSP, DEEPSEEK_MODEL, ROOT, server_command

PLUGIN_DIR = ROOT / "nvim"
NVIM_BINARIES = {
    "0.12": ROOT / ".venvs" / "nvim-0.12" / "bin" / "nvim",
    "0.11": ROOT / ".venvs" / "nvim-0.11" / "bin" / "nvim",
}
# CODER_LSP_NVIM_SERVER runs these tests against another server command line.
SERVER_OVERRIDE = shlex.split(os.environ.get("CODER_LSP_NVIM_SERVER", ""))
SERVER_CMD = SERVER_OVERRIDE or [*CODER_LSP, "serve"]
# Small and quick on the tiny random-weight model; the real code path all the same.
TEST_SETTINGS = {"maxTokens": 12, "chatMaxTokens": 24, "speculative": False, "model": {"path": str(DEEPSEEK_MODEL)}}


@dataclass
class EditorOptions:
    cmd: list[str] = field(default_factory=lambda: list(SERVER_CMD) if SERVER_OVERRIDE else server_command())
    settings: dict | None = field(default_factory=lambda: json.loads(json.dumps(TEST_SETTINGS)))  # None: defaults
    setup: dict = field(default_factory=lambda: {"debounce_ms": 30})
    extra_lua: str = ""


def init_lua(options: EditorOptions) -> str:
    config = {"cmd": options.cmd}
    if options.settings is not None:
        config.update(init_options=options.settings, settings={"coderLsp": options.settings})
    setup = dict(options.setup, config=config)
    return f"""
vim.opt.runtimepath:prepend({json.dumps(str(PLUGIN_DIR))})
vim.opt.swapfile = false
-- Probing for a Python provider costs seconds on every Python buffer; no test needs one.
for _, provider in ipairs({{ 'python3', 'node', 'perl', 'ruby' }}) do
  vim.g['loaded_' .. provider .. '_provider'] = 0
end
vim.opt.shadafile = 'NONE'
vim.g.coder_lsp_messages = {{}}
-- Record what the user is told (vim.g tables are copies: write the whole list back).
vim.notify = function(msg, level, opts)
  local all = vim.g.coder_lsp_messages
  all[#all + 1] = tostring(msg)
  vim.g.coder_lsp_messages = all
end
require('coder_lsp').setup(vim.json.decode({json.dumps(json.dumps(setup))}))
{options.extra_lua}
vim.g.coder_lsp_test_init_done = true
"""


class Editor:
    """One headless Neovim; methods wait for what a user would see."""

    def __init__(self, binary: Path, workdir: Path, options: EditorOptions) -> None:
        self.workdir = workdir
        init = workdir.parent / f"init-{id(self)}.lua"
        init.write_text(init_lua(options))
        argv = [str(binary), "--embed", "--headless", "-n", "-i", "NONE", "-u", str(init)]
        self.nvim = pynvim.attach("child", argv=argv)
        if not self.lua("return vim.g.coder_lsp_test_init_done"):
            raise AssertionError(f"{init} failed: {self.lua('return vim.v.errmsg')}")
        self.nvim.command(f"cd {workdir}")

    def close(self) -> None:
        try:
            self.lua("vim.lsp.stop_client(vim.lsp.get_clients(), true)")
            self.nvim.command("qa!")
        except Exception:
            pass
        try:
            self.nvim.close()
        except Exception:
            pass

    def lua(self, code: str, *args):
        return self.nvim.exec_lua(code, *args)

    def wait_for(self, lua_expr: str, what: str, timeout: float = 60.0, *args):
        """Poll `return <lua_expr>` until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.lua(f"return {lua_expr}", *args)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; messages: {self.messages()}")
            time.sleep(0.05)

    def messages(self) -> list[str]:
        return list(self.lua("return vim.g.coder_lsp_messages") or [])

    def edit(self, path: Path) -> None:
        self.nvim.command(f"edit {path}")

    def wait_ready(self) -> None:
        """Until the coder_lsp client is attached and its model loaded."""
        self.wait_for("require('coder_lsp').client(0) ~= nil", "the coder_lsp client to attach")
        self.wait_for(
            "(require('coder_lsp.status').latest(require('coder_lsp').client(0).id) or {}).state == 'ready'",
            "coderLsp/status ready (model loaded)",
        )

    def type(self, keys: str) -> None:
        """Type keys (nvim_input notation) and wait until Neovim consumed them."""
        self.nvim.input(keys)
        self.wait_for("vim.fn.getchar(1) == 0 and not vim.api.nvim_get_mode().blocking", "typeahead to drain", 10)

    def line(self) -> str:
        return self.nvim.current.line

    def cursor(self) -> tuple[int, int]:
        row, col = self.nvim.current.window.cursor
        return row, col

    def ghost(self):
        """The shown ghost text as {row, col, text} or None (native or fallback namespace)."""
        return self.lua(GHOST_LUA)

    def floats(self) -> list[list[str]]:
        """The text of every floating window."""
        return self.lua(FLOATS_LUA) or []


GHOST_LUA = """
local native = require('coder_lsp').has_native_inline()
local ns = native and vim.api.nvim_get_namespaces()['nvim.lsp.inline_completion']
  or require('coder_lsp.ghost').namespace
if not ns then return nil end
local marks = vim.api.nvim_buf_get_extmarks(0, ns, 0, -1, { details = true })
if #marks == 0 then return nil end
local _, row, col, details = unpack(marks[1])
local parts = {}
for _, chunk in ipairs(details.virt_text or {}) do parts[#parts + 1] = chunk[1] end
local text = table.concat(parts)
for _, line in ipairs(details.virt_lines or {}) do
  local l = {}
  for _, chunk in ipairs(line) do l[#l + 1] = chunk[1] end
  text = text .. '\\n' .. table.concat(l)
end
return { row = row, col = col, text = text }
"""

FLOATS_LUA = """
local out = {}
for _, win in ipairs(vim.api.nvim_list_wins()) do
  if vim.api.nvim_win_get_config(win).relative ~= '' then
    out[#out + 1] = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false)
  end
end
return out
"""
