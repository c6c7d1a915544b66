--- coder-lsp editor glue: user commands, LspAttach/LspDetach hooks, the
--- coderLsp/status notification handler and restart-on-exit. The server config is
--- lsp/coder_lsp.lua; enable it with vim.lsp.enable('coder_lsp') (or
--- require('coder_lsp').setup()).
if vim.g.loaded_coder_lsp then
  return
end
vim.g.loaded_coder_lsp = true

if vim.fn.has('nvim-0.11') == 0 then
  vim.notify_once('coder-lsp needs Neovim 0.11 or newer', vim.log.levels.WARN)
  return
end

local function commands()
  return require('coder_lsp.commands')
end

local command = vim.api.nvim_create_user_command
command('CoderNextEdit', function(o) require('coder_lsp.next_edit').command(o.args) end,
  { nargs = '?', complete = function() return { 'accept', 'dismiss' } end, desc = 'coder-lsp: next edit suggestion' })
command('CoderExplain', function() commands().explain() end, { desc = 'coder-lsp: explain the diagnostic at the cursor' })
command('CoderFix', function() commands().fix() end, { desc = 'coder-lsp: fix the diagnostic at the cursor' })
command('CoderCommitMsg', function() commands().commit_msg() end, { desc = 'coder-lsp: write the commit message' })
command('CoderStatus', function() commands().status() end, { desc = 'coder-lsp: server and model status' })
command('CoderModel', function() commands().choose_model() end, { desc = 'coder-lsp: choose the model (local or a preset)' })

local group = vim.api.nvim_create_augroup('coder_lsp', { clear = true })
vim.api.nvim_create_autocmd({ 'InsertLeave', 'TextChanged' }, { group = group,
  callback = function(args) require('coder_lsp.next_edit').schedule(args.buf) end })
-- Where the user looks, so the server can evaluate that prompt while idle (coder_lsp.focus).
vim.api.nvim_create_autocmd({ 'BufEnter', 'CursorMoved', 'InsertEnter' }, { group = group,
  callback = function(args)
    if require('coder_lsp').client(args.buf) then
      require('coder_lsp.focus').schedule(args.buf)
    end
  end })
vim.api.nvim_create_autocmd('LspAttach', {
  group = group,
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    if client and client.name == 'coder_lsp' then
      require('coder_lsp').on_attach(client, args.buf)
      require('coder_lsp.focus').schedule(args.buf)
    end
  end,
})
vim.api.nvim_create_autocmd('LspDetach', {
  group = group,
  callback = function(args)
    local client = vim.lsp.get_client_by_id(args.data.client_id)
    if client and client.name == 'coder_lsp' then
      require('coder_lsp').on_detach(client.id, args.buf)
    end
  end,
})

-- Neovim only logs a missing server command; say it once, where the user looks.
vim.api.nvim_create_autocmd('FileType', {
  group = group,
  callback = function(args)
    require('coder_lsp').check_server_command(args.buf)
  end,
})

-- Added to the config; a user's own on_exit or status handler still runs first.
local resolved = vim.lsp.config.coder_lsp or {}
local user_on_exit = resolved.on_exit
local user_status = (resolved.handlers or {})['coderLsp/status']
vim.lsp.config('coder_lsp', {
  on_exit = function(code, signal, client_id)
    if user_on_exit then
      user_on_exit(code, signal, client_id)
    end
    require('coder_lsp').on_exit(code, signal, client_id)
  end,
  handlers = {
    ['coderLsp/status'] = function(err, params, ctx, config)
      if user_status then
        user_status(err, params, ctx, config)
      end
      require('coder_lsp.status').on_notification(ctx.client_id, params)
    end,
  },
})
