--- Where the user is looking: coderLsp/didFocus with the buffer and the cursor, once
--- the cursor has settled (SETTLE_MS) in a newly entered buffer or in another region
--- of the same one (REGION_LINES away from the last report); never on each keystroke.
--- The server then evaluates the prompt a completion there would use while the model
--- is idle, so the first keystroke there finds it ready.
local api = vim.api
local coder = require('coder_lsp')

local M = {}

M.REGION_LINES = 16
M.SETTLE_MS = 300

local last = {} ---@type table<integer, {bufnr: integer, line: integer}> per client id
local timer = nil ---@type uv.uv_timer_t?

--- True if a focus at `line` of `bufnr` should be reported to client `id` (and remembers it).
---@param id integer
---@param bufnr integer
---@param line integer
function M.should_report(id, bufnr, line)
  local prev = last[id]
  if prev and prev.bufnr == bufnr and math.abs(prev.line - line) < M.REGION_LINES then
    return false
  end
  last[id] = { bufnr = bufnr, line = line }
  return true
end

--- Report the cursor of the current window if it still shows `bufnr`.
---@param bufnr integer
function M.report(bufnr)
  if not api.nvim_buf_is_valid(bufnr) or api.nvim_get_current_buf() ~= bufnr then
    return
  end
  local client = coder.client(bufnr)
  if not client then
    return
  end
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  if not M.should_report(client.id, bufnr, params.position.line) then
    return
  end
  params.textDocument.version = vim.lsp.util.buf_versions[bufnr] or 0
  client:notify('coderLsp/didFocus', params)
end

--- Report `bufnr` once the cursor has rested SETTLE_MS (a newer call restarts the wait).
---@param bufnr integer
function M.schedule(bufnr)
  if timer then
    timer:stop()
  else
    timer = vim.uv.new_timer()
  end
  timer:start(M.SETTLE_MS, 0, vim.schedule_wrap(function()
    M.report(bufnr)
  end))
end

--- Forget what client `id` was told (it exited; a restarted server knows nothing).
---@param id integer
function M.forget(id)
  last[id] = nil
end

return M
