-- Headless Neovim (0.7 or newer) with the Lattice setup of editors/nvim:
-- open LATTICE_FILE, wait for the server's diagnostics and print them, one
-- per line, as `line:col code message`. Exit codes: 0 got some, 2 the
-- server did not start, 3 none within the timeout.
local out = function(s) io.stdout:write(s .. '\n') end
local file = vim.fn.fnamemodify(os.getenv('LATTICE_FILE'), ':p')
local timeout = tonumber(os.getenv('LATTICE_TIMEOUT_MS') or '15000')

vim.opt.runtimepath:append(os.getenv('LATTICE_NVIM_PLUGIN'))
vim.cmd('filetype on')
local lattice = require('lattice')
lattice.setup({ cmd = { os.getenv('LATTICE_BIN'), 'lsp' }, codelens = true })

vim.cmd('edit ' .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
local started = vim.wait(timeout, function() return #vim.lsp.buf_get_clients(buf) > 0 end, 50)
if not started then out('FAIL: no client attached'); vim.cmd('cquit 2') end

local ok = vim.wait(timeout, function() return #vim.diagnostic.get(buf) > 0 end, 50)
if not ok then out('FAIL: no diagnostics within ' .. timeout .. ' ms'); vim.cmd('cquit 3') end

for _, d in ipairs(vim.diagnostic.get(buf)) do
  out(string.format('%d:%d %s %s %s', d.lnum + 1, d.col + 1, tostring(d.source),
    tostring(d.user_data and d.user_data.lsp and d.user_data.lsp.code or d.code), d.message:gsub('\n.*', '')))
end

-- A hover through the same client, as K would send it.
local params = vim.lsp.util.make_position_params()
params.position = { line = tonumber(os.getenv('LATTICE_HOVER_LINE') or '0'), character = 7 }
local answers = vim.lsp.buf_request_sync(buf, 'textDocument/hover', params, timeout)
for _, answer in pairs(answers or {}) do
  if answer.result then out('hover: ' .. answer.result.contents.value:gsub('\n.*', '')) end
end

-- :LatticePreview opens the generated policies in a scratch buffer.
vim.cmd('LatticePreview')
local shown = vim.wait(timeout, function()
  return vim.bo.buftype == 'nofile' and vim.api.nvim_buf_line_count(0) > 1
end, 50)
if shown then out('preview: ' .. vim.api.nvim_buf_get_lines(0, 0, 1, false)[1]) end

for _, client in pairs(vim.lsp.get_active_clients()) do client.stop() end
vim.wait(3000, function() return #vim.lsp.get_active_clients() == 0 end, 50)
vim.cmd('qa!')
