--- coder-lsp: a local-first AI coding assistant (inline completions, explain/fix
--- diagnostics, commit messages) served over stdio by `coder-lsp serve`.
---
--- This file is a plain |vim.lsp.Config|: `vim.lsp.enable('coder_lsp')` is all a
--- user needs. Override any field with `vim.lsp.config('coder_lsp', {...})`, e.g.
--- `init_options = { model = { path = '~/models/deepseek-coder.gguf' } }`.
--- The editor features (ghost text, commands) live in plugin/coder_lsp.lua.

--- Buffers larger than this many bytes are not attached: sending them on every
--- keystroke costs more than a completion is worth.
local max_buffer_bytes = 2 * 1024 * 1024

local root_markers = { '.coder-lsp.toml', '.git', 'pyproject.toml', 'package.json', 'go.mod', 'Cargo.toml' }

---@type vim.lsp.Config
return {
  cmd = { 'coder-lsp', 'serve' },
  filetypes = {
    'python', 'javascript', 'javascriptreact', 'typescript', 'typescriptreact',
    'go', 'rust', 'java', 'c', 'cpp', 'lua', 'sh', 'ruby', 'php', 'cs', 'kotlin',
    'swift', 'scala', 'zig', 'html', 'css', 'json', 'yaml', 'toml', 'markdown', 'sql',
    'gitcommit',
  },
  root_markers = root_markers,
  -- A function so that huge buffers are never attached and buffers without a
  -- file still get a client (single-file mode).
  root_dir = function(bufnr, on_dir)
    local lines = vim.api.nvim_buf_line_count(bufnr)
    local limit = vim.g.coder_lsp_max_buffer_bytes or max_buffer_bytes
    if vim.api.nvim_buf_get_offset(bufnr, lines) > limit then
      vim.notify_once(('coder-lsp: not attaching to buffers over %d bytes'):format(limit), vim.log.levels.INFO)
      return
    end
    local name = vim.api.nvim_buf_get_name(bufnr)
    on_dir(name ~= '' and vim.fs.root(bufnr, root_markers) or nil)
  end,
  -- Send every keystroke at once: the server drops a completion for an older
  -- document version, which only works if it knows the newer one.
  flags = { debounce_text_changes = 0 },
  capabilities = {
    textDocument = { inlineCompletion = { dynamicRegistration = false } },
  },
  -- The same object as the `coderLsp` settings section (see doc/coder_lsp.txt).
  -- vim.empty_dict(): a plain {} would go out as a JSON list.
  init_options = vim.empty_dict(),
  settings = { coderLsp = vim.empty_dict() },
  -- The server reads both, and a later settings pull replaces what initialize
  -- said; so both carry init_options merged with settings.coderLsp (which wins).
  before_init = function(params, config)
    local settings = config.settings or {}
    local merged = vim.tbl_deep_extend('force', params.initializationOptions or {}, settings.coderLsp or {})
    if next(merged) ~= nil then
      settings.coderLsp = merged
      params.initializationOptions = merged
    end
  end,
}
