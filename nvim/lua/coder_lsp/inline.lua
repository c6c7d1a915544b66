--- Inline completion front door: on Neovim 0.12+ it turns on the native
--- vim.lsp.inline_completion for the buffer; on 0.11 it runs the ghost-text
--- fallback (coder_lsp.ghost). Either way it sets the insert-mode keymaps to
--- accept all, a word or a line, cycle and dismiss, and partial accepts work the same.
local coder = require('coder_lsp')

local M = {}

local function native()
  return coder.has_native_inline()
end

--- The part of `text` to take for a partial accept.
---@param text string the not yet inserted rest of the completion
---@param what 'all'|'word'|'line'
---@return string
function M.chunk(text, what)
  if what == 'word' then
    return text:match('^%s*[%w_]+') or text:match('^%s*[^%w_%s]+') or text:match('^%s+') or text
  elseif what == 'line' then
    if text:sub(1, 1) == '\n' then
      return '\n' .. (text:sub(2):match('^[^\n]*') or '')
    end
    return text:match('^[^\n]*')
  end
  return text
end

--- Insert `text` at the cursor as if typed (one undo step), cursor after it.
---@param text string
function M.insert_at_cursor(text)
  local win = vim.api.nvim_get_current_win()
  local bufnr = vim.api.nvim_win_get_buf(win)
  local row, col = unpack(vim.api.nvim_win_get_cursor(win))
  local lines = vim.split(text, '\n', { plain = true })
  vim.api.nvim_buf_set_text(bufnr, row - 1, col, row - 1, col, lines)
  local last_col = (#lines == 1 and col or 0) + #lines[#lines]
  vim.api.nvim_win_set_cursor(win, { row + #lines - 1, last_col })
end

--- Native (0.12) partial accept: the item's text past what is already typed.
---@param item vim.lsp.inline_completion.Item
---@param what 'word'|'line'
local function accept_part_native(item, what)
  local text = type(item.insert_text) == 'string' and item.insert_text or item.insert_text.value
  local row, col = unpack(vim.api.nvim_win_get_cursor(0))
  local range = item.range
  if range and range.start.row == row - 1 and range.start.col <= col then
    local typed = vim.api.nvim_buf_get_text(0, row - 1, range.start.col, row - 1, col, {})[1]
    if text:sub(1, #typed) == typed then
      text = text:sub(#typed + 1)
    end
  end
  M.insert_at_cursor(M.chunk(text, what))
end

--- Accept the shown completion, or part of it. Returns false when none is shown
--- (so a mapping can fall back to the key's usual meaning).
---@param what? 'all'|'word'|'line'
---@return boolean
function M.accept(what)
  what = what or 'all'
  if not native() then
    return require('coder_lsp.ghost').accept(what)
  end
  if what == 'all' then
    return vim.lsp.inline_completion.get()
  end
  return vim.lsp.inline_completion.get({
    on_accept = function(item)
      accept_part_native(item, what)
    end,
  })
end

---@param count integer
function M.select(count)
  if native() then
    vim.lsp.inline_completion.select({ count = count })
  else
    require('coder_lsp.ghost').select(count)
  end
end

--- The native completor of `bufnr` (a private Neovim object, so looked up
--- defensively): lets us hide a shown item the user typed past.
local function native_completor(bufnr)
  local ok, capability = pcall(require, 'vim.lsp._capability')
  local class = ok and type(capability.all) == 'table' and capability.all.inline_completion
  return class and class.active and class.active[bufnr] or nil
end

--- Native 0.12 keeps showing the current item while the user types, even text
--- that no longer continues it; hide it then (a new request follows anyway).
local function hide_native_if_stale(bufnr)
  local completor = native_completor(bufnr)
  local item = completor and completor.current
  local start = item and item.range and item.range.start
  if not start or type(completor.hide) ~= 'function' then
    return
  end
  local text = type(item.insert_text) == 'string' and item.insert_text or item.insert_text.value or ''
  local row, col = unpack(vim.api.nvim_win_get_cursor(0))
  local stale = start.row ~= row - 1 or start.col > col
  if not stale then
    local typed = vim.api.nvim_buf_get_text(bufnr, start.row, start.col, row - 1, col, {})[1]
    stale = text:sub(1, #typed) ~= typed
  end
  if stale then
    completor:hide()
    completor.current = nil
  end
end

function M.dismiss()
  if native() then
    local completor = native_completor(vim.api.nvim_get_current_buf())
    if not (completor and completor.current and type(completor.abort) == 'function') then
      return false
    end
    completor:abort()
    return true
  end
  return require('coder_lsp.ghost').dismiss()
end

--- Whether a completion is shown in `bufnr` (for tests and statuslines).
---@param bufnr? integer
function M.visible(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local ns = native() and vim.api.nvim_get_namespaces()['nvim.lsp.inline_completion']
    or require('coder_lsp.ghost').namespace
  return ns ~= nil and #vim.api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { limit = 1 }) > 0
end

local function set_keymaps(bufnr)
  local keys = coder.options.keymaps or {}
  local function map(lhs, fn, desc, fallback)
    if not lhs then
      return
    end
    vim.keymap.set('i', lhs, function()
      if fn() == false and fallback then
        return vim.keycode(lhs)
      end
      return ''
    end, { buffer = bufnr, expr = true, replace_keycodes = false, desc = 'coder-lsp: ' .. desc })
  end
  map(keys.accept, function() return M.accept('all') end, 'accept completion', true)
  map(keys.accept_word, function() return M.accept('word') end, 'accept a word', true)
  map(keys.accept_line, function() return M.accept('line') end, 'accept a line', true)
  map(keys.next, function() M.select(1) end, 'next completion')
  map(keys.prev, function() M.select(-1) end, 'previous completion')
  map(keys.dismiss, function() return M.dismiss() end, 'dismiss completion', true)
end

--- The user typed before the client attached (the server was still starting): no request
--- went out and none would until the next keystroke, so ask at the cursor now. The server
--- holds it while the model loads.
---@param bufnr integer
local function request_if_typing(bufnr)
  if vim.api.nvim_get_current_buf() ~= bufnr or not vim.api.nvim_get_mode().mode:match('^i') then
    return
  end
  if not native() then
    return require('coder_lsp.ghost').request_soon(bufnr)
  end
  vim.schedule(function() -- after enable() has registered this client with the buffer's completor
    local completor = native_completor(bufnr)
    if completor and type(completor.automatic_request) == 'function' then
      completor:automatic_request()
    end
  end)
end

---@param client vim.lsp.Client
---@param bufnr integer
function M.attach(client, bufnr)
  if native() then
    vim.lsp.inline_completion.enable(true, { bufnr = bufnr })
    -- Defined after the native autocmds, so it runs after they re-show the item.
    vim.api.nvim_create_autocmd('CursorMovedI', {
      group = vim.api.nvim_create_augroup('coder_lsp.native.' .. bufnr, { clear = true }),
      buffer = bufnr,
      callback = function()
        hide_native_if_stale(bufnr)
      end,
    })
  else
    require('coder_lsp.ghost').attach(client, bufnr)
  end
  set_keymaps(bufnr)
  request_if_typing(bufnr)
end

---@param client_id integer
---@param bufnr integer
function M.detach(client_id, bufnr)
  if native() then
    pcall(vim.api.nvim_del_augroup_by_name, 'coder_lsp.native.' .. bufnr)
  else
    require('coder_lsp.ghost').detach(client_id, bufnr)
  end
end

return M
