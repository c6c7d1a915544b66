--- coder-lsp for Neovim: options, client lookup and what happens when the
--- coder_lsp client attaches to a buffer (inline completion, keymaps) or exits
--- (restart with a limit, one message). The LSP config itself is lsp/coder_lsp.lua;
--- plugin/coder_lsp.lua wires the autocmds and user commands to this module.
local M = {}

M.name = 'coder_lsp'

---@class coder_lsp.Options
M.defaults = {
  --- Show inline completions (ghost text) in insert mode.
  inline = true,
  --- Insert-mode keymaps; set one to false to leave that key alone.
  keymaps = {
    accept = '<Tab>',
    accept_word = '<M-Right>',
    accept_line = '<M-C-Right>',
    next = '<M-]>',
    prev = '<M-[>',
    dismiss = '<C-]>',
  },
  --- Neovim 0.11 fallback only: wait this long after a keystroke before asking
  --- (settings.coderLsp.debounceMs wins when set).
  debounce_ms = 150,
  --- Restarts after the server exits abnormally, within restart_window_ms.
  max_restarts = 3,
  restart_window_ms = 60000,
}

M.options = vim.deepcopy(M.defaults)

--- Optional: set options, extend the LSP config and enable it.
--- `config` is passed to vim.lsp.config('coder_lsp', config).
---@param opts? table
function M.setup(opts)
  opts = opts or {}
  local config = opts.config
  opts.config = nil
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts)
  if not vim.g.loaded_coder_lsp then
    -- Added to the runtimepath after startup (lazy config, vim.pack): load plugin/ now.
    vim.cmd.runtime('plugin/coder_lsp.lua')
  end
  if config then
    vim.lsp.config(M.name, config)
  end
  if opts.enable ~= false then
    vim.lsp.enable(M.name)
  end
end

--- True on Neovim builds with native LSP inline completion (0.12+).
function M.has_native_inline()
  return vim.lsp.inline_completion ~= nil and vim.lsp.inline_completion.get ~= nil
end

--- The initialized coder_lsp client attached to `bufnr`, if any.
---@param bufnr? integer
---@return vim.lsp.Client?
function M.client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  return vim.lsp.get_clients({ bufnr = bufnr, name = M.name })[1]
end

local reported = {}

--- Tell the user about a problem once per kind, never on every keystroke;
--- repeats go to the LSP log only.
---@param kind string
---@param message string
---@param level? integer
function M.report(kind, message, level)
  if reported[kind] then
    vim.lsp.log.warn('coder-lsp', message)
    return
  end
  reported[kind] = true
  vim.notify('coder-lsp: ' .. message, level or vim.log.levels.WARN)
end

--- Whether vim.lsp.enable would start coder_lsp for `bufnr` (it may still be starting).
---@param bufnr integer
function M.applies_to(bufnr)
  local config = vim.lsp.config[M.name] or {}
  return M.is_enabled() and vim.bo[bufnr].buftype == ''
    and (not config.filetypes or vim.tbl_contains(config.filetypes, vim.bo[bufnr].filetype))
end

--- Runs `fn(client)` with the coder_lsp client of `bufnr`, waiting (a while) for
--- one that is still starting; says clearly why nothing happens when there is none.
---@param bufnr integer
---@param fn fun(client: vim.lsp.Client)
---@param wait_ms? integer
function M.with_client(bufnr, fn, wait_ms)
  local client = M.client(bufnr)
  if client then
    return fn(client)
  end
  local function none()
    vim.notify(
      'coder-lsp: no coder_lsp client for this buffer'
        .. " (is vim.lsp.enable('coder_lsp') set and the filetype listed? see :checkhealth coder_lsp)",
      vim.log.levels.WARN
    )
  end
  if not M.applies_to(bufnr) or M.command_missing() then
    return none()
  end
  local done = false
  local autocmd = vim.api.nvim_create_autocmd('LspAttach', {
    buffer = bufnr,
    callback = function(args)
      local attached = vim.lsp.get_client_by_id(args.data.client_id)
      if done or not attached or attached.name ~= M.name then
        return
      end
      done = true
      fn(attached)
      return true -- delete this autocmd
    end,
  })
  vim.defer_fn(function()
    if not done then
      done = true
      pcall(vim.api.nvim_del_autocmd, autocmd)
      none()
    end
  end, wait_ms or 15000)
end

--- True when coder_lsp is enabled with vim.lsp.enable.
function M.is_enabled()
  if vim.lsp.is_enabled then
    return vim.lsp.is_enabled(M.name)
  end
  return vim.lsp._enabled_configs ~= nil and vim.lsp._enabled_configs[M.name] ~= nil
end

--- The server command when it is not an executable, else nil.
---@return string?
function M.command_missing()
  local cmd = (vim.lsp.config[M.name] or {}).cmd
  if type(cmd) == 'table' and vim.fn.executable(cmd[1]) ~= 1 then
    return tostring(cmd[1])
  end
end

--- On FileType: if coder_lsp would start for this buffer but its command is
--- missing, say so once (Neovim itself only writes it to the LSP log).
---@param bufnr integer
function M.check_server_command(bufnr)
  local missing = M.applies_to(bufnr) and M.command_missing()
  if missing then
    M.report('missing-server', ("server command '%s' not found; coder-lsp stays off (see :checkhealth coder_lsp)")
      :format(missing), vim.log.levels.ERROR)
  end
end

--- Buffers each client was attached to, so a restart can reattach them.
local attached = {} ---@type table<integer, table<integer, true>>

---@param client vim.lsp.Client
---@param bufnr integer
function M.on_attach(client, bufnr)
  attached[client.id] = attached[client.id] or {}
  attached[client.id][bufnr] = true
  if not M.options.inline or vim.bo[bufnr].filetype == 'gitcommit' then
    return
  end
  require('coder_lsp.inline').attach(client, bufnr)
end

---@param client_id integer
---@param bufnr integer
function M.on_detach(client_id, bufnr)
  require('coder_lsp.inline').detach(client_id, bufnr)
end

local restarts = {} ---@type integer[] times (ms) of recent restarts

--- on_exit of the client: restart after an abnormal exit, a few times a minute
--- at most, then say so once and stay down.
---@param code integer
---@param signal integer
---@param client_id integer
function M.on_exit(code, signal, client_id)
  local buffers = attached[client_id] or {}
  attached[client_id] = nil
  require('coder_lsp.focus').forget(client_id)
  if code == 0 and signal == 0 then
    return
  end
  vim.schedule(function()
    local now = vim.uv.now()
    restarts = vim.tbl_filter(function(t)
      return now - t < M.options.restart_window_ms
    end, restarts)
    if #restarts >= M.options.max_restarts then
      M.report('exit', ('server exited (code %d, signal %d) %d times; not restarting. See :LspLog and :checkhealth coder_lsp'):format(
        code, signal, #restarts + 1), vim.log.levels.ERROR)
      return
    end
    table.insert(restarts, now)
    vim.notify(('coder-lsp: server exited (code %d, signal %d); restarting'):format(code, signal), vim.log.levels.WARN)
    for bufnr in pairs(buffers) do
      if vim.api.nvim_buf_is_loaded(bufnr) then
        M.start(bufnr)
      end
    end
  end)
end

--- Start (or reuse) the coder_lsp client for `bufnr` from the resolved config.
---@param bufnr integer
function M.start(bufnr)
  local config = vim.deepcopy(vim.lsp.config[M.name])
  local root_dir = config.root_dir
  config.root_dir = nil
  local function start(root)
    config.root_dir = root
    vim.lsp.start(config, { bufnr = bufnr })
  end
  if type(root_dir) == 'function' then
    root_dir(bufnr, start)
  else
    start(root_dir)
  end
end

return M
