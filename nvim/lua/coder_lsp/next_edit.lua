--- Next-edit suggestions: ask coder-lsp (textDocument/copilotInlineEdit) for the
--- edit that follows your recent ones, preview it with extmarks (the replaced text
--- struck through, the new text as virtual text or lines after it), accept or
--- dismiss it. :CoderNextEdit asks (and, with a suggestion shown, accepts);
--- :CoderNextEdit accept / dismiss; <Plug>(CoderNextEditAccept) to map a key.
--- A suggestion is only shown, and only applied, for the buffer version it was
--- made for. With setup({ next_edit = { auto = true } }) it also asks by itself
--- after leaving insert mode or a normal-mode change, once edits pause.
local api = vim.api
local coder = require('coder_lsp')

local M = {}

M.ns = api.nvim_create_namespace('coder_lsp_next_edit')
---@type table<integer, {item: table, version: integer, client: vim.lsp.Client}>
M.shown = {}

api.nvim_set_hl(0, 'CoderNextEditDelete', { default = true, strikethrough = true, link = 'DiffDelete' })
api.nvim_set_hl(0, 'CoderNextEditInsert', { default = true, link = 'DiffAdd' })

local function version_of(bufnr)
  return vim.lsp.util.buf_versions[bufnr] or 0
end

--- Clear the preview in `bufnr`.
function M.dismiss(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  M.shown[bufnr] = nil
end

--- Byte (row, col) of an LSP position in `bufnr`.
local function byte_position(bufnr, position, encoding)
  local line = api.nvim_buf_get_lines(bufnr, position.line, position.line + 1, false)[1] or ''
  local ok, col = pcall(vim.str_byteindex, line, encoding, position.character, false)
  return position.line, ok and col or #line
end

--- Draw `item` (one edit of a copilotInlineEdit answer) in `bufnr`.
function M.preview(bufnr, item, encoding)
  api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  local srow, scol = byte_position(bufnr, item.range.start, encoding)
  local erow, ecol = byte_position(bufnr, item.range['end'], encoding)
  if srow ~= erow or scol ~= ecol then
    api.nvim_buf_set_extmark(bufnr, M.ns, srow, scol, { end_row = erow, end_col = ecol, hl_group = 'CoderNextEditDelete' })
  end
  local lines = vim.split(item.text or '', '\n', { plain = true })
  if #lines == 1 then
    if lines[1] ~= '' then
      api.nvim_buf_set_extmark(bufnr, M.ns, erow, ecol, { virt_text = { { lines[1], 'CoderNextEditInsert' } },
        virt_text_pos = 'inline' })
    end
  else
    local virt = vim.tbl_map(function(l) return { { l, 'CoderNextEditInsert' } } end, lines)
    api.nvim_buf_set_extmark(bufnr, M.ns, erow, 0, { virt_lines = virt })
  end
end

--- Ask for a suggestion at the cursor and preview it; `done(item|nil)` when answered.
function M.request(bufnr, done)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local client = coder.client(bufnr)
  if not client then
    return done and done(nil)
  end
  local version = version_of(bufnr)
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  params.textDocument.version = version
  client:request('textDocument/copilotInlineEdit', params, function(err, result)
    local item = not err and result and result.edits and result.edits[1] or nil
    M.dismiss(bufnr)
    if item and api.nvim_buf_is_valid(bufnr) and version_of(bufnr) == version then
      M.shown[bufnr] = { item = item, version = version, client = client }
      M.preview(bufnr, item, client.offset_encoding)
      api.nvim_create_autocmd({ 'TextChanged', 'TextChangedI' }, { buffer = bufnr, once = true,
        callback = function() M.dismiss(bufnr) end })
      client:notify('textDocument/didShowInlineEdit', { item = item })
    else
      item = nil
    end
    if done then
      done(item)
    end
  end, bufnr)
end

--- Apply the shown suggestion (if the buffer is unchanged since), and tell the server.
function M.accept(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local shown = M.shown[bufnr]
  M.dismiss(bufnr)
  if not shown or version_of(bufnr) ~= shown.version then
    return false
  end
  local item = shown.item
  vim.lsp.util.apply_text_edits({ { range = item.range, newText = item.text } }, bufnr, shown.client.offset_encoding)
  if item.command then
    shown.client:request('workspace/executeCommand', { command = item.command.command,
      arguments = item.command.arguments }, function() end, bufnr)
  end
  return true
end

local timers = {}

--- Ask for `bufnr` after `delay_ms` without another change (the `auto` option).
function M.schedule(bufnr, delay_ms)
  local options = coder.options.next_edit or {}
  if not options.auto or not coder.client(bufnr) then
    return
  end
  local timer = timers[bufnr] or vim.uv.new_timer()
  timers[bufnr] = timer
  timer:stop()
  timer:start(delay_ms or options.debounce_ms or 300, 0, vim.schedule_wrap(function()
    if api.nvim_buf_is_valid(bufnr) and api.nvim_get_current_buf() == bufnr and vim.fn.mode() == 'n' then
      M.request(bufnr)
    end
  end))
end

--- :CoderNextEdit [accept|dismiss]
function M.command(arg)
  local bufnr = api.nvim_get_current_buf()
  if arg == 'accept' or (arg == '' and M.shown[bufnr]) then
    M.accept(bufnr)
  elseif arg == 'dismiss' then
    M.dismiss(bufnr)
  else
    M.request(bufnr, function(item)
      if not item then
        vim.notify('coder-lsp: no next edit here', vim.log.levels.INFO)
      end
    end)
  end
end

vim.keymap.set('n', '<Plug>(CoderNextEditAccept)', function() M.accept(0) end, { desc = 'coder-lsp: accept the next edit' })

return M
