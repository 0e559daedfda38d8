-- Neovim setup for the Lattice language server (`kubectl-lattice lsp`).
--
-- Works with the built-in client of Neovim 0.7 (vim.lsp.start_client) and
-- of newer versions (vim.lsp.start). Usage, in init.lua:
--
--   require('lattice').setup({
--     cmd = { 'kubectl-lattice', 'lsp' },   -- or the full path of the binary
--     init_options = { defaultNamespace = 'default' },
--   })
--
-- :LatticePreview shows the policies the service under the cursor compiles
-- to; code lenses show the status of every declaration.

local M = {}

M.defaults = {
  cmd = { 'kubectl-lattice', 'lsp' },
  filetypes = { 'yaml' },
  -- The workspace folder is the nearest folder above the file holding one of these.
  root_markers = { '.git', '.hg' },
  init_options = {},
  codelens = true,
}

local options = vim.deepcopy(M.defaults)
local clients = {} -- root folder -> client id, for Neovim 0.7

local function root_dir(fname)
  local dir = vim.fn.fnamemodify(fname, ':p:h')
  for _, marker in ipairs(options.root_markers) do
    local found = vim.fn.finddir(marker, dir .. ';')
    if found == '' then
      found = vim.fn.findfile(marker, dir .. ';')
    end
    if found ~= '' then
      return vim.fn.fnamemodify(found, ':p:h:h')
    end
  end
  return dir
end

-- The answer to lattice.previewPolicies is YAML text: show it in a scratch buffer.
local function show_preview(err, result)
  if err then
    vim.notify('lattice: ' .. (err.message or tostring(err)), vim.log.levels.ERROR)
    return
  end
  if type(result) ~= 'string' then
    return
  end
  vim.cmd('new')
  local buf = vim.api.nvim_get_current_buf()
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(result, '\n', { plain = true }))
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].filetype = 'yaml'
  vim.bo[buf].modifiable = false
end

local function on_attach(client, bufnr)
  if options.codelens then
    vim.cmd(string.format(
      'autocmd BufEnter,InsertLeave,BufWritePost <buffer=%d> lua pcall(vim.lsp.codelens.refresh)', bufnr))
    pcall(vim.lsp.codelens.refresh)
  end
  if options.on_attach then
    options.on_attach(client, bufnr)
  end
end

--- The client configuration for a file.
function M.config(fname)
  local root = root_dir(fname)
  return {
    name = 'lattice',
    cmd = options.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ':t') } },
    init_options = options.init_options,
    handlers = { ['workspace/executeCommand'] = show_preview },
    on_attach = on_attach,
  }
end

--- Start (or reuse) the server for a buffer and attach it.
function M.start(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local fname = vim.api.nvim_buf_get_name(bufnr)
  if fname == '' then
    return nil
  end
  if vim.fn.executable(options.cmd[1]) ~= 1 then
    vim.notify('lattice: `' .. options.cmd[1] .. '` was not found; install kubectl-lattice or set `cmd`',
      vim.log.levels.WARN)
    return nil
  end
  local config = M.config(fname)
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients[config.root_dir]
  if not id or not vim.lsp.get_client_by_id(id) then
    id = vim.lsp.start_client(config)
    clients[config.root_dir] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

--- Ask for the policies of the service in the current buffer.
function M.preview()
  local params = { command = 'lattice.previewPolicies', arguments = { vim.uri_from_bufnr(0) } }
  vim.lsp.buf_request(0, 'workspace/executeCommand', params, show_preview)
end

function M.setup(opts)
  options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
  local group = vim.api.nvim_create_augroup('lattice_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = options.filetypes,
    callback = function(args)
      M.start(args.buf)
    end,
  })
  vim.api.nvim_create_user_command('LatticePreview', M.preview, { desc = 'Preview the generated policies' })
end

return M
