--- The user commands: :CoderExplain (markdown float), :CoderFix (applies the
--- server's fix), :CoderCommitMsg (fills a gitcommit buffer), :CoderStatus and
--- :CoderModel (vim.ui.select over the server's coderLsp.listModels: local models
--- and presets; the choice goes to coderLsp.useModel, which saves it in the user config).
--- Explain and Fix send every diagnostic at the cursor, from every source, because
--- Neovim gives a server only its own diagnostics in code-action requests.
local api = vim.api
local coder = require('coder_lsp')

local M = {}

--- A vim.Diagnostic as an LSP Diagnostic, columns in the client's encoding.
---@param bufnr integer
---@param d vim.Diagnostic
---@param encoding string
---@return lsp.Diagnostic
local function to_lsp(bufnr, d, encoding)
  if d.user_data and d.user_data.lsp then
    return d.user_data.lsp
  end
  local function position(row, col)
    local line = api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ''
    return { line = row, character = vim.str_utfindex(line, encoding, math.min(col, #line), false) }
  end
  local lsp = vim.lsp.diagnostic.from({ d })[1]
  lsp.range = { start = position(d.lnum, d.col), ['end'] = position(d.end_lnum or d.lnum, d.end_col or d.col) }
  return lsp
end

--- LSP diagnostics under the cursor, from every source (all on the line when
--- none covers the column).
---@param bufnr integer
---@param encoding string
---@return lsp.Diagnostic[]
function M.diagnostics_at_cursor(bufnr, encoding)
  local row, col = unpack(api.nvim_win_get_cursor(0))
  row = row - 1
  local on_line = vim.diagnostic.get(bufnr, { lnum = row })
  local at_cursor = vim.tbl_filter(function(d)
    local end_lnum, end_col = d.end_lnum or d.lnum, d.end_col or d.col
    local after_start = d.lnum < row or d.col <= col
    local before_end = end_lnum > row or end_col >= col
    return after_start and before_end
  end, on_line)
  return vim.tbl_map(function(d)
    return to_lsp(bufnr, d, encoding)
  end, #at_cursor > 0 and at_cursor or on_line)
end

--- workspace/executeCommand with a one-line message for errors.
local function execute(client, bufnr, command, arguments, on_result)
  client:request('workspace/executeCommand', { command = command, arguments = arguments }, function(err, result)
    if err then
      vim.notify(('coder-lsp: %s failed: %s'):format(command, err.message), vim.log.levels.ERROR)
      return
    end
    on_result(result)
  end, bufnr)
end

--- Text out of a command result: a string, MarkupContent or {markdown|message|text=...}.
local function text_of(result)
  if type(result) == 'string' then
    return result
  elseif type(result) == 'table' then
    return result.value or result.markdown or result.message or result.text
  end
end

local function open_float(markdown, focus_id)
  local lines = vim.split(markdown, '\n', { plain = true })
  return vim.lsp.util.open_floating_preview(lines, 'markdown', {
    border = 'rounded', focus_id = focus_id, max_width = 88, max_height = 30,
    wrap = true,
  })
end

-- Calls fn(client, bufnr, diagnostics) with every diagnostic at the cursor, from any
-- source, or says there is none: both commands need the same start.
local function with_cursor_diagnostics(fn)
  local bufnr = api.nvim_get_current_buf()
  if #vim.diagnostic.get(bufnr, { lnum = api.nvim_win_get_cursor(0)[1] - 1 }) == 0 then
    vim.notify('coder-lsp: no diagnostic at the cursor', vim.log.levels.INFO)
    return
  end
  coder.with_client(bufnr, function(client)
    fn(client, bufnr, M.diagnostics_at_cursor(bufnr, client.offset_encoding))
  end)
end

function M.explain()
  with_cursor_diagnostics(function(client, bufnr, diagnostics)
    local args = {
      uri = vim.uri_from_bufnr(bufnr),
      position = vim.lsp.util.make_position_params(0, client.offset_encoding).position,
      diagnostics = diagnostics,
    }
    vim.notify('coder-lsp: explaining…', vim.log.levels.INFO)
    execute(client, bufnr, 'coderLsp.explainDiagnostic', { args }, function(result)
      local markdown = text_of(result)
      if not markdown or markdown == '' then
        vim.notify('coder-lsp: no explanation came back', vim.log.levels.WARN)
        return
      end
      if api.nvim_get_current_buf() == bufnr then
        open_float(markdown, 'coder_lsp_explain')
      end
    end)
  end)
end

local function is_fix(action)
  local command = type(action.command) == 'table' and action.command.command or action.command
  if command == 'coderLsp.explainDiagnostic' then
    return false
  end
  return command == 'coderLsp.fixDiagnostic' or (action.title or ''):lower():find('fix') ~= nil
end

local function apply_action(client, bufnr, action)
  if action.edit then
    vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  end
  local command = type(action.command) == 'table' and action.command
    or (type(action.command) == 'string' and action or nil)
  if command then
    client:exec_cmd(command, { bufnr = bufnr })
  end
  if not action.edit and not command then
    vim.notify('coder-lsp: no fix for this diagnostic (none that parses)', vim.log.levels.WARN)
  end
end

function M.fix()
  with_cursor_diagnostics(function(client, bufnr, diagnostics)
    local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
    params.context = { diagnostics = diagnostics, only = { 'quickfix' }, triggerKind = 1 }
    vim.notify('coder-lsp: asking for a fix…', vim.log.levels.INFO)
    client:request('textDocument/codeAction', params, function(err, actions)
      local action = not err and vim.iter(actions or {}):find(is_fix)
      if not action then
        vim.notify('coder-lsp: no fix for this diagnostic' .. (err and (': ' .. err.message) or ''), vim.log.levels.WARN)
        return
      end
      if action.edit or action.command or not client:supports_method('codeAction/resolve') then
        return apply_action(client, bufnr, action)
      end
      client:request('codeAction/resolve', action, function(resolve_err, resolved)
        if resolve_err or not resolved then
          vim.notify('coder-lsp: fix failed: ' .. (resolve_err and resolve_err.message or 'empty'), vim.log.levels.WARN)
          return
        end
        apply_action(client, bufnr, resolved)
      end, bufnr)
    end, bufnr)
  end)
end

--- Replace the message part of a gitcommit buffer (above git's comment block).
---@param bufnr integer
---@param message string
function M.fill_commit_buffer(bufnr, message)
  local lines = api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local first_comment = #lines + 1
  for i, line in ipairs(lines) do
    if line:sub(1, 1) == '#' then
      first_comment = i
      break
    end
  end
  local new = vim.split(vim.trim(message), '\n', { plain = true })
  if first_comment <= #lines then
    table.insert(new, '')
  end
  api.nvim_buf_set_lines(bufnr, 0, first_comment - 1, false, new)
end

function M.commit_msg()
  local bufnr = api.nvim_get_current_buf()
  if vim.bo[bufnr].filetype ~= 'gitcommit' then
    vim.notify('coder-lsp: :CoderCommitMsg works in a gitcommit buffer (git commit)', vim.log.levels.WARN)
    return
  end
  local name = api.nvim_buf_get_name(bufnr)
  local root = vim.fs.root(name ~= '' and name or vim.fn.getcwd(), '.git') or vim.fn.getcwd()
  coder.with_client(bufnr, function(client)
    vim.notify('coder-lsp: writing a commit message…', vim.log.levels.INFO)
    local args = { rootUri = vim.uri_from_fname(root), path = root }
    execute(client, bufnr, 'coderLsp.generateCommitMessage', { args }, function(result)
      local message = text_of(result)
      if not message or vim.trim(message) == '' then
        vim.notify('coder-lsp: no commit message came back (nothing staged?)', vim.log.levels.WARN)
        return
      end
      if api.nvim_buf_is_valid(bufnr) then
        M.fill_commit_buffer(bufnr, message)
      end
    end)
  end)
end

--- Markdown lines for a status table, one `key: value` per line.
local function status_lines(status, prefix, out)
  for _, key in ipairs(vim.tbl_keys(status)) do
    local value = status[key]
    if type(value) == 'table' and not vim.islist(value) then
      status_lines(value, prefix .. key .. '.', out)
    else
      out[#out + 1] = ('- **%s%s**: %s'):format(prefix, key, type(value) == 'table' and vim.inspect(value, { newline = ' ', indent = '' }) or tostring(value))
    end
  end
  table.sort(out)
  return out
end

function M.status()
  local bufnr = api.nvim_get_current_buf()
  local mode = coder.has_native_inline() and 'native (vim.lsp.inline_completion)' or 'ghost text (0.11 fallback)'
  local client = coder.client(bufnr) or vim.lsp.get_clients({ name = coder.name })[1]
  if not client then
    vim.notify('coder-lsp: not running (see :checkhealth coder_lsp). Inline completion: ' .. mode, vim.log.levels.WARN)
    return
  end
  execute(client, bufnr, 'coderLsp.status', {}, function(result)
    local lines = { '# coder-lsp', '', '- **client**: ' .. client.id .. (coder.client(bufnr) and '' or ' (not this buffer)'),
      '- **inline completion**: ' .. mode }
    if type(result) == 'table' then
      vim.list_extend(lines, status_lines(result, '', {}))
    elseif result ~= nil then
      lines[#lines + 1] = tostring(result)
    end
    open_float(table.concat(lines, '\n'), 'coder_lsp_status')
  end)
end

local function present(value)
  return value ~= nil and value ~= vim.NIL and value ~= ''
end

--- "1.6 GB": decimal, as downloads are shown.
local function human_size(bytes)
  if type(bytes) ~= 'number' or bytes <= 0 then
    return ''
  end
  local units, unit = { 'B', 'KB', 'MB', 'GB', 'TB' }, 1
  while bytes >= 1000 and unit < #units do
    bytes, unit = bytes / 1000, unit + 1
  end
  return (bytes >= 10 or unit == 1) and ('%d %s'):format(math.floor(bytes + 0.5), units[unit])
    or ('%.1f %s'):format(bytes, units[unit])
end

--- The picker's items for a coderLsp.listModels answer: readable local models, then presets.
---@return {label: string, value: string}[]
function M.model_items(choices)
  local items = {}
  choices = type(choices) == 'table' and choices or {}
  for _, m in ipairs(type(choices.models) == 'table' and choices.models or {}) do
    if present(m.name) and not present(m.error) then
      local facts = vim.tbl_filter(present, { m.source, human_size(m.size_bytes), m.quantization })
      items[#items + 1] = { label = ('%s (%s)'):format(m.name, table.concat(facts, ', ')), value = m.name }
    end
  end
  local fitting = type(choices.preset) == 'table' and choices.preset.name or nil
  for _, p in ipairs(type(choices.presets) == 'table' and choices.presets or {}) do
    if present(p.name) then
      local size = human_size(type(p.model) == 'table' and p.model.size_bytes or nil)
      local state = present(p.downloaded) and 'downloaded' or vim.trim('download ' .. size)
      local fits = p.name == fitting and ', fits this machine' or ''
      items[#items + 1] = { label = ('%s: preset %s (%s%s)'):format(p.title or p.name, p.name, state, fits), value = p.name }
    end
  end
  return items
end

local function say_used(name, result)
  result = type(result) == 'table' and result or {}
  if present(result.error) then
    vim.notify('coder-lsp: ' .. result.error, vim.log.levels.ERROR)
  elseif present(result.downloading) then
    vim.notify(('coder-lsp: downloading %s; the server switches to it when done'):format(name), vim.log.levels.INFO)
  elseif present(result.outrankedBy) then
    vim.notify(('coder-lsp: %s is saved as your model, but %s outranks it; clear that to use it'):format(
      name, result.outrankedBy), vim.log.levels.WARN)
  else
    vim.notify('coder-lsp: now using ' .. (present(result.path) and result.path or name), vim.log.levels.INFO)
  end
end

function M.choose_model()
  local bufnr = api.nvim_get_current_buf()
  coder.with_client(bufnr, function(client)
    execute(client, bufnr, 'coderLsp.listModels', {}, function(choices)
      local items = M.model_items(choices)
      if #items == 0 then
        return vim.notify('coder-lsp: no models found and no presets', vim.log.levels.WARN)
      end
      vim.ui.select(items, {
        prompt = 'coder-lsp model:',
        format_item = function(item) return item.label end,
      }, function(item)
        if item then
          execute(client, bufnr, 'coderLsp.useModel', { item.value }, function(result)
            say_used(item.value, result)
          end)
        end
      end)
    end)
  end)
end

return M
