--- Ghost text for Neovim 0.11, which has no native inline completion: asks
--- textDocument/inlineCompletion after a debounce, cancels the previous request
--- on every keystroke, drops answers for an older buffer state, and draws the
--- first item as an inline extmark (first line) plus virtual lines (the rest).
local api = vim.api
local coder = require('coder_lsp')

local M = {}

M.namespace = api.nvim_create_namespace('coder_lsp.ghost')
api.nvim_set_hl(0, 'CoderLspGhost', { link = 'Comment', default = true })

local RequestCancelled, ContentModified = -32800, -32801

---@class coder_lsp.Ghost what is shown: the rest of an item past the typed text
---@field text string full insert text of the item
---@field rest string the part not yet in the buffer
---@field row integer 0-based row of the cursor it is anchored to
---@field col integer byte column of that cursor
---@field start_col integer byte column where the item's range starts
---@field end_col integer byte column where the item's range ends (>= col)
---@field tick integer changedtick it is valid for

---@class coder_lsp.GhostState
---@field client_id integer
---@field timer uv.uv_timer_t
---@field seq integer number of the newest request; older answers are dropped
---@field request_id? integer in-flight request, cancelled by the next keystroke
---@field items lsp.InlineCompletionItem[]
---@field index integer
---@field ghost? coder_lsp.Ghost

local states = {} ---@type table<integer, coder_lsp.GhostState>

local function cursor_of(bufnr)
  local win = api.nvim_get_current_win()
  if api.nvim_win_get_buf(win) ~= bufnr then
    return nil
  end
  local pos = api.nvim_win_get_cursor(win)
  return pos[1] - 1, pos[2]
end

local function hide(bufnr, state)
  state.ghost = nil
  api.nvim_buf_clear_namespace(bufnr, M.namespace, 0, -1)
end

local function cancel_pending(state)
  state.seq = state.seq + 1
  local client = state.request_id and vim.lsp.get_client_by_id(state.client_id)
  if client then
    client:cancel_request(state.request_id)
  end
  state.request_id = nil
end

local function draw(bufnr, ghost)
  api.nvim_buf_clear_namespace(bufnr, M.namespace, 0, -1)
  if ghost.rest == '' then
    return
  end
  local lines = vim.split(ghost.rest, '\n', { plain = true })
  local virt_lines = {}
  for i = 2, #lines do
    virt_lines[#virt_lines + 1] = { { lines[i], 'CoderLspGhost' } }
  end
  api.nvim_buf_set_extmark(bufnr, M.namespace, ghost.row, ghost.col, {
    virt_text = { { lines[1], 'CoderLspGhost' } },
    virt_text_pos = 'inline',
    virt_lines = #virt_lines > 0 and virt_lines or nil,
    hl_mode = 'combine',
  })
end

--- The ghost for `item` at the cursor, or nil when the item does not continue
--- what is typed (its range starts elsewhere, or its text disagrees).
---@return coder_lsp.Ghost?
local function ghost_for(bufnr, client, item, row, col)
  local text = type(item.insertText) == 'string' and item.insertText or (item.insertText or {}).value
  if type(text) ~= 'string' or text == '' then
    return nil
  end
  local line = api.nvim_buf_get_lines(bufnr, row, row + 1, true)[1]
  local start_col, end_col = col, col
  if item.range then
    local s, e = item.range.start, item.range['end']
    if s.line ~= row or e.line ~= row then
      return nil
    end
    start_col = vim.str_byteindex(line, client.offset_encoding, s.character, false)
    end_col = math.max(col, vim.str_byteindex(line, client.offset_encoding, e.character, false))
    if start_col > col then
      return nil
    end
  end
  local typed = line:sub(start_col + 1, col)
  if text:sub(1, #typed) ~= typed then
    return nil
  end
  return {
    text = text, rest = text:sub(#typed + 1), row = row, col = col,
    start_col = start_col, end_col = end_col, tick = api.nvim_buf_get_changedtick(bufnr),
  }
end

local function show_item(bufnr, state, index)
  local client = vim.lsp.get_client_by_id(state.client_id)
  local row, col = cursor_of(bufnr)
  if not client or not row or #state.items == 0 then
    return hide(bufnr, state)
  end
  state.index = (index - 1) % #state.items + 1
  state.ghost = ghost_for(bufnr, client, state.items[state.index], row, col)
  if state.ghost then
    draw(bufnr, state.ghost)
  else
    hide(bufnr, state)
  end
end

local function on_error(err)
  if err.code == RequestCancelled or err.code == ContentModified then
    return
  end
  coder.report('inline:' .. tostring(err.code), 'inline completion failed: ' .. tostring(err.message))
end

--- Ask for completions at the cursor now; an answer for an older buffer state
--- or cursor, or for a request a newer one replaced, is dropped.
---@param bufnr integer
function M.request(bufnr)
  local state = states[bufnr]
  local client = state and vim.lsp.get_client_by_id(state.client_id)
  local row, col = cursor_of(bufnr)
  if not client or not row or not api.nvim_get_mode().mode:match('^i') then
    return
  end
  cancel_pending(state)
  local seq, tick = state.seq, api.nvim_buf_get_changedtick(bufnr)
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.context = { triggerKind = 2 } -- Automatic
  local ok, id = client:request('textDocument/inlineCompletion', params, function(err, result)
    if seq ~= state.seq then
      return
    end
    state.request_id = nil
    if err then
      return on_error(err)
    end
    local now_row, now_col = cursor_of(bufnr)
    if api.nvim_buf_get_changedtick(bufnr) ~= tick or now_row ~= row or now_col ~= col
      or not api.nvim_get_mode().mode:match('^i') then
      return
    end
    state.items = result and (result.items or result) or {}
    show_item(bufnr, state, 1)
  end, bufnr)
  state.request_id = ok and id or nil
end

--- True when the buffer moved on exactly by typing the ghost's next characters:
--- then the ghost shrinks instead of vanishing.
local function typed_into_ghost(bufnr, ghost, row, col)
  if row ~= ghost.row or col <= ghost.col then
    return false
  end
  local typed = api.nvim_buf_get_text(bufnr, row, ghost.col, row, col, {})[1]
  if ghost.rest:sub(1, #typed) ~= typed or typed:find('\n') then
    return false
  end
  local shift = col - ghost.col
  ghost.rest, ghost.col = ghost.rest:sub(#typed + 1), col
  ghost.end_col = math.max(ghost.end_col + shift, col)
  ghost.tick = api.nvim_buf_get_changedtick(bufnr)
  draw(bufnr, ghost)
  return true
end

--- Ask after the debounce, unless a keystroke restarts it (also for text typed before attach).
function M.request_soon(bufnr)
  local state = states[bufnr]
  if state then
    state.timer:stop()
    state.timer:start(state.debounce_ms, 0, vim.schedule_wrap(function()
      if states[bufnr] == state then M.request(bufnr) end
    end))
  end
end

--- On every keystroke or cursor move in insert mode.
local function on_change(bufnr)
  local state = states[bufnr]
  local row, col = cursor_of(bufnr)
  if not state or not row then
    return
  end
  local ghost = state.ghost
  if ghost and ghost.tick == api.nvim_buf_get_changedtick(bufnr) and ghost.row == row and ghost.col == col then
    return
  end
  if ghost and typed_into_ghost(bufnr, ghost, row, col) then
    return
  end
  hide(bufnr, state)
  cancel_pending(state)
  M.request_soon(bufnr)
end

local function on_leave(bufnr)
  local state = states[bufnr]
  if state then
    state.timer:stop()
    cancel_pending(state)
    hide(bufnr, state)
  end
end

--- Accept the ghost, a word or a line of it. False when none is shown.
---@param what 'all'|'word'|'line'
---@return boolean
function M.accept(what)
  local bufnr = api.nvim_get_current_buf()
  local state = states[bufnr]
  local ghost = state and state.ghost
  if not ghost or ghost.tick ~= api.nvim_buf_get_changedtick(bufnr) then
    return false
  end
  -- Scheduled: mappings run under textlock, where the buffer cannot change.
  vim.schedule(function()
    if state.ghost ~= ghost or ghost.tick ~= api.nvim_buf_get_changedtick(bufnr) then
      return
    end
    local inline = require('coder_lsp.inline')
    if what == 'all' then
      hide(bufnr, state)
      local lines = vim.split(ghost.text, '\n', { plain = true })
      api.nvim_buf_set_text(bufnr, ghost.row, ghost.start_col, ghost.row, ghost.end_col, lines)
      local last_col = (#lines == 1 and ghost.start_col or 0) + #lines[#lines]
      api.nvim_win_set_cursor(0, { ghost.row + #lines, last_col })
      return
    end
    local part = inline.chunk(ghost.rest, what)
    inline.insert_at_cursor(part)
    local row, col = cursor_of(bufnr)
    ghost.rest, ghost.row, ghost.col = ghost.rest:sub(#part + 1), row, col
    ghost.start_col, ghost.end_col = col, col
    ghost.text, ghost.tick = ghost.rest, api.nvim_buf_get_changedtick(bufnr)
    draw(bufnr, ghost)
  end)
  return true
end

---@param count integer
function M.select(count)
  local bufnr = api.nvim_get_current_buf()
  local state = states[bufnr]
  if state and state.ghost and #state.items > 1 then
    show_item(bufnr, state, state.index + count)
  end
end

function M.dismiss()
  local bufnr = api.nvim_get_current_buf()
  local state = states[bufnr]
  if not state or not state.ghost then
    return false
  end
  on_leave(bufnr)
  return true
end

---@param client vim.lsp.Client
---@param bufnr integer
function M.attach(client, bufnr)
  if states[bufnr] then
    M.detach(states[bufnr].client_id, bufnr)
  end
  local settings = vim.tbl_get(client.config, 'settings', 'coderLsp') or {}
  local state = {
    client_id = client.id, timer = assert(vim.uv.new_timer()), seq = 0, items = {}, index = 1,
    debounce_ms = tonumber(settings.debounceMs) or coder.options.debounce_ms,
  }
  states[bufnr] = state
  local group = api.nvim_create_augroup('coder_lsp.ghost.' .. bufnr, { clear = true })
  api.nvim_create_autocmd({ 'InsertEnter', 'TextChangedI', 'CursorMovedI' }, {
    group = group, buffer = bufnr, callback = function() on_change(bufnr) end,
  })
  api.nvim_create_autocmd({ 'InsertLeave', 'BufLeave' }, {
    group = group, buffer = bufnr, callback = function() on_leave(bufnr) end,
  })
end

---@param client_id integer
---@param bufnr integer
function M.detach(client_id, bufnr)
  local state = states[bufnr]
  if not state or state.client_id ~= client_id then
    return
  end
  on_leave(bufnr)
  state.timer:close()
  states[bufnr] = nil
  pcall(api.nvim_del_augroup_by_name, 'coder_lsp.ghost.' .. bufnr)
end

return M
