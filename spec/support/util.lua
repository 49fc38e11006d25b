-- Helpers shared by the specs: run commands and nsl itself, make and
-- remove temporary files, drive a terminal through tmux.
local M = {}
local core = require "nsl.core"

-- The nsl under test: NSL_BIN (set by make check), else ./nsl.
M.nsl = os.getenv("NSL_BIN") or "./nsl"

-- True inside spec/sandbox (make check): namespaces may be made freely.
function M.sandboxed()
  return os.getenv("NSL_SANDBOX") == "1"
end

-- True under make check-full (NSL_FULL=1): every combination of a
-- matrix, every slow spec; make check takes a sample for speed.
function M.full()
  return os.getenv("NSL_FULL") == "1"
end

-- pending(msg) for code outside a spec file: busted gives the throwing
-- `pending` only to the running test's environment; the same function is
-- busted's core `pending`, reached through require "busted".
function M.pending(msg)
  local mt = debug.getmetatable(require "busted")
  local index = mt and mt.__index
  for i = 1, type(index) == "function" and 20 or 0 do
    local name, bcore = debug.getupvalue(index, i)
    if not name then break end
    if name == "busted" and type(bcore) == "table" and type(bcore.pending) == "function" then
      return bcore.pending(msg)
    end
  end
  error("pending: " .. msg, 2)
end

-- True in the sandbox; otherwise marks the test pending and returns false.
function M.need_sandbox()
  if not M.sandboxed() then M.pending("needs the sandbox: run make check") return false end
  return true
end

-- Asserts that f() raises "bad argument #n to '<prim>' (<why>)".  Lua names
-- the function by the first table of package.loaded it finds it in (_G,
-- nsl or nsl.core: the order varies between runs), so a module prefix on
-- the name is accepted.
function M.arg_error(f, n, prim, why)
  local assert = require "luassert"
  local ok, err = pcall(f)
  assert.is_false(ok, "no error")
  local got_n, got_prim, got_why = tostring(err):match("bad argument #(%d+) to '([%w_.]+)' %((.*)%)$")
  assert.same({ tostring(n), prim, why },
    { got_n, got_prim and got_prim:gsub("^nsl%.core%.", ""):gsub("^nsl%.", ""), got_why }, tostring(err))
end

-- Asserts that f() raises the nsl error (EINVAL) whose text is msg: the
-- shape of every option and value error ("link_set: unknown option
-- 'upp' (did you mean 'up'?)").
function M.nsl_error(f, msg, code)
  local assert = require "luassert"
  local ok, err = pcall(f)
  assert.is_false(ok, "no error")
  assert.equal(msg, tostring(err))
  assert.equal(code or "EINVAL", type(err) == "table" and err.code or nil, tostring(err))
end

-- Is pid a live process (not gone, not a zombie waiting for its parent)?
function M.alive(pid)
  local st = core._proc_stat(tonumber(pid))  -- the one /proc/PID/stat parser
  return st ~= nil and st.state ~= "Z"
end

-- The records of runs under /run/nsl other than this one (busted runs
-- under nsl: its own record holds what the specs' bare primitives made),
-- and UTS files left under /run/nsl/uts, as "name" lines; "" when none.
function M.other_records()
  local _, me = core._record()
  local out = {}
  for _, name in ipairs(core._readdir("/run/nsl") or {}) do
    if name ~= me and name ~= "uts" then out[#out + 1] = name .. "\n" end
  end
  for _, name in ipairs(core._readdir("/run/nsl/uts") or {}) do out[#out + 1] = "uts/" .. name .. "\n" end
  return table.concat(out)
end

-- sh_until(cond, what [, pid = "pid"]): a shell fragment that waits up to
-- 20 s until the shell command cond succeeds (a program under test said
-- "ready", say); otherwise it says what it did not see (on stdout and
-- stderr, for whichever the test asserts on), stops $pid with SIGTERM
-- and exits 99, rather than go on and signal a program not ready yet.
function M.sh_until(cond, what, pid)
  pid = "$" .. (pid or "pid")
  local say = M.quote(what .. " not seen after 20 s")
  return string.format("i=0; until %s; do [ $i -lt 400 ] || { echo %s; echo %s >&2; kill -TERM %s; wait %s; exit 99; }; " ..
    "sleep 0.05; i=$((i+1)); done", cond, say, say, pid, pid)
end

function M.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end
M.slurp = slurp

function M.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

-- A fresh temporary directory; M.rm(dir) removes it.  Both by nsl's own
-- calls, not mktemp(1) and rm(1): sh() makes and removes one for every
-- command a spec runs, and those two processes were a seventh of the
-- suite's CPU time.
function M.tmpdir()
  return core.mkdtemp("/tmp/nsl-spec.XXXXXX")
end

function M.rm(path)
  if path and path:match("^/tmp/nsl%-spec%.") and not pcall(core._rmtree, path) then
    os.execute("rm -rf " .. M.quote(path)) -- a mount inside, say
  end
end

-- sh(cmd [, opts]) runs a shell command; opts.stdin is fed to it.
-- Returns { code = exit status (128+N when killed by signal N),
--           out = stdout, err = stderr }.
function M.sh(cmd, opts)
  opts = opts or {}
  local dir = M.tmpdir()
  local input = "/dev/null"
  if opts.stdin then
    input = dir .. "/in"
    M.write(input, opts.stdin)
  end
  local full = string.format("(%s) <%s >%s/out 2>%s/err", cmd, M.quote(input),
    M.quote(dir), M.quote(dir))
  local _, how, n = os.execute(full)
  local r = { code = how == "exit" and n or 128 + n,
              out = slurp(dir .. "/out"), err = slurp(dir .. "/err") }
  M.rm(dir)
  return r
end

-- run({args...} [, opts]) runs nsl with these arguments (each quoted);
-- opts.env is a table of environment variables, opts.stdin as for sh.
function M.run(args, opts)
  opts = opts or {}
  local parts = {}
  for k, v in pairs(opts.env or {}) do
    parts[#parts + 1] = k .. "=" .. M.quote(v)
  end
  parts[#parts + 1] = M.quote(M.nsl)
  for _, a in ipairs(args) do parts[#parts + 1] = M.quote(a) end
  local cmd = table.concat(parts, " ")
  if opts.env then cmd = "env " .. cmd end
  return M.sh(cmd, opts)
end

-- script(text) writes text to a temporary .lua file; returns its path
-- and the directory to remove.
function M.script(text)
  local dir = M.tmpdir()
  local path = dir .. "/script.lua"
  M.write(path, text)
  return path, dir
end

-- run_script(text [, opts]): runs text as an nsl script in a process of
-- its own (for what happens at its end); returns run's result.
function M.run_script(text, opts)
  local path, dir = M.script(text)
  local r = M.run({ path }, opts)
  M.rm(dir)
  return r
end

-- A terminal program under tmux, for what a person would see.
--   local t = M.terminal(cmd, { env = {...}, width = 100, height = 30 })
--   t:type("1+1"); t:key("Enter"); t:wait_for("2"); t:screen(); t:close()
local Terminal = {}
Terminal.__index = Terminal

local tmux_n = 0
function M.terminal(cmd, opts)
  opts = opts or {}
  tmux_n = tmux_n + 1
  local self = setmetatable({}, Terminal)
  self.socket = string.format("nsl-spec-%d-%d", math.random(1e9), tmux_n)
  self.name = "t"
  local env = {}
  for k, v in pairs(opts.env or {}) do env[#env + 1] = k .. "=" .. M.quote(v) end
  local line = (#env > 0 and ("env " .. table.concat(env, " ") .. " ") or "") .. cmd
  local r = M.sh(string.format(
    "tmux -L %s -f /dev/null new-session -d -s t -x %d -y %d %s " ..
    "&& tmux -L %s set-option -t t remain-on-exit on",
    self.socket, opts.width or 100, opts.height or 30, M.quote(line), self.socket))
  assert(r.code == 0, "tmux failed: " .. r.err)
  return self
end

function Terminal:tmux(args)
  return M.sh("tmux -L " .. self.socket .. " " .. args)
end

-- Types text literally (no key names), then nothing else.
function Terminal:type(text)
  self:tmux("send-keys -t t -l " .. M.quote(text))
end

-- Sends named keys: "Enter", "Tab", "C-c", "C-d", "Up".
function Terminal:key(...)
  for _, k in ipairs({ ... }) do self:tmux("send-keys -t t " .. k) end
end

-- Types a line and presses Enter.
function Terminal:line(text)
  self:type(text)
  self:key("Enter")
end

function Terminal:screen()
  return (self:tmux("capture-pane -p -N -t t").out:gsub("\n+$", ""))
end

-- Is the program in the pane still running?
function Terminal:alive()
  return self:tmux("display-message -p -t t '#{pane_dead}'").out:match("^0") ~= nil
end

-- Waits until the screen matches a Lua pattern (plain=true for a plain
-- find); returns the screen, or raises with the screen after `timeout`.
function Terminal:wait_for(pattern, timeout, plain)
  local deadline = os.time() + (timeout or 5)
  local screen
  repeat
    screen = self:screen()
    if screen:find(pattern, 1, plain) then return screen end
    M.sh("sleep 0.05")
  until os.time() > deadline
  error(string.format("timed out waiting for %q; screen:\n%s", pattern, screen), 2)
end

function Terminal:close()
  self:tmux("kill-server")
end

return M
