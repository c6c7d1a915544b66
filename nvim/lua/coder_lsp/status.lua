--- The server's `coderLsp/status` notifications: keeps the latest per client
--- for :CoderStatus, :checkhealth and statuslines, and fires `User CoderLspStatus`.
--- The server itself tells the user about errors (once per kind), so this does not.
local M = {}

local latest = {} ---@type table<integer, table>

---@param client_id integer
---@param params table
function M.on_notification(client_id, params)
  if type(params) ~= 'table' then
    return
  end
  latest[client_id] = params
  vim.api.nvim_exec_autocmds('User', { pattern = 'CoderLspStatus', modeline = false, data = params })
end

---@param client_id? integer
---@return table?
function M.latest(client_id)
  if client_id then
    return latest[client_id]
  end
  local _, params = next(latest)
  return params
end

--- A short string for a statusline: `coder-lsp: <state>`, or '' when not running.
function M.statusline()
  local client = require('coder_lsp').client(0)
  if not client then
    return ''
  end
  local params = latest[client.id] or {}
  return 'coder-lsp: ' .. tostring(params.state or params.message or 'ready')
end

return M
