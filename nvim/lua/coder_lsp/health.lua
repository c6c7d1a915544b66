--- :checkhealth coder_lsp - the Neovim version and which inline completion path
--- it gets, whether the server command runs, whether the config is enabled, and
--- what the running clients last said about their model.
local M = {}

local health = vim.health

local function check_neovim()
  local v = vim.version()
  local version = ('%d.%d.%d'):format(v.major, v.minor, v.patch)
  if vim.fn.has('nvim-0.11') == 0 then
    health.error('Neovim ' .. version .. ' is too old; coder-lsp needs 0.11 or newer')
  elseif require('coder_lsp').has_native_inline() then
    health.ok('Neovim ' .. version .. ': native inline completion (vim.lsp.inline_completion)')
  else
    health.ok('Neovim ' .. version .. ': ghost text through the 0.11 fallback')
  end
end

local function check_server()
  local config = vim.lsp.config.coder_lsp
  if not config then
    health.error('no coder_lsp config found: is nvim/ on the runtimepath?')
    return
  end
  local cmd = config.cmd
  if type(cmd) ~= 'table' then
    health.info('cmd is a function; not checked')
  elseif vim.fn.executable(cmd[1]) == 1 then
    health.ok(('server command found: %s'):format(table.concat(cmd, ' ')))
  else
    health.error(('server command not found: %s'):format(cmd[1]), {
      'Install coder-lsp (pip install coder-lsp, or `make demo` in its repository)',
      "or point cmd at it: vim.lsp.config('coder_lsp', { cmd = { '/path/to/coder-lsp', 'serve' } })",
    })
  end
  if require('coder_lsp').is_enabled() then
    health.ok('enabled with vim.lsp.enable')
  else
    health.warn("not enabled", { "add vim.lsp.enable('coder_lsp') (or require('coder_lsp').setup()) to your config" })
  end
end

local function check_clients()
  local clients = vim.lsp.get_clients({ name = 'coder_lsp' })
  if #clients == 0 then
    health.info('no coder_lsp client running (open a file of a listed filetype)')
  end
  for _, client in ipairs(clients) do
    local buffers = vim.tbl_count(client.attached_buffers)
    health.ok(('client %d: root %s, %d buffer(s)'):format(client.id, client.root_dir or '(single file)', buffers))
    local status = require('coder_lsp.status').latest(client.id)
    if status then
      health.info('last status: ' .. vim.inspect(status, { newline = ' ', indent = '' }))
    end
    if not client:supports_method('textDocument/inlineCompletion') then
      health.warn(('client %d does not offer inline completion'):format(client.id))
    end
  end
end

function M.check()
  health.start('coder-lsp')
  check_neovim()
  check_server()
  check_clients()
end

return M
