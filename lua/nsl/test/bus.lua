-- nsl.test.bus: what nsl.test needs from busted: its API (hooks,
-- subscribe), its core `pending`, the test that is running, and hearing
-- of every failure while a world's test runs (to keep the report of that
-- moment, and to name the artifacts in the failure's text, which JUnit
-- output carries).
local artifacts = require("nsl.test.artifacts")

local M = {}

-- busted's public API.  Asked for when a world is made, not when this
-- module loads: it exists only inside a busted run, set up by then.
function M.api()
  local ok, b = pcall(require, "busted")
  if not ok or type(b) ~= "table" then
    error("nsl.test: worlds work inside busted specs (busted --lua=nsl)", 3)
  end
  return b
end

-- busted's core table (with context and pending), reached as the
-- upvalue `busted` of the API's __index.
local core_cache
local function core()
  if core_cache then return core_cache end
  local mt = debug.getmetatable(M.api())
  local index = mt and mt.__index
  for i = 1, type(index) == "function" and 20 or 0 do
    local name, v = debug.getupvalue(index, i)
    if not name then break end
    if name == "busted" and type(v) == "table" and v.context then core_cache = v return v end
  end
  error("nsl.test: this version of busted is not supported", 3)
end

-- Raises msg as a failure of the running test (busted's fail: counted
-- with the failed assertions, not as an error), positioned at the
-- caller `level` frames up from the one calling M.fail; a plain error
-- outside busted.
function M.fail(msg, level)
  local ok, c = pcall(core)
  if ok and c.fail then c.fail(msg, level + 1) end
  error(msg, level + 1)
end

-- Marks the running test pending with msg (a busted pending: shown as
-- such, never a pass).
function M.pending(msg)
  local ok, c = pcall(core)
  if ok and c.pending then c.pending(msg) end
  error("pending: " .. msg, 3)
end

-- The `it` element being run: busted's executor for `it` holds it in
-- its first local while the before_each/after_each hooks run.
local function running_test()
  for level = 3, 60 do
    local info = debug.getinfo(level, "S")
    if not info then break end
    if info.source:find("busted[/\\]init%.lua$") then
      local name, v = debug.getlocal(level, 1)
      if name == "element" and type(v) == "table" and v.descriptor == "it" then return v end
    end
  end
end

-- Name and spec file of a test element: "describe it", "spec/x_spec.lua".
local function describe_test(el)
  local c = core()
  local names, file = {}, nil
  local e = el
  while e do
    if e.descriptor == "file" then file = e.name break end
    if e.name and e.descriptor ~= "suite" then table.insert(names, 1, e.name) end
    e = c.context.parent(e)
  end
  return table.concat(names, " "), file
end

local active      -- the world whose test is running
local installed = setmetatable({}, { __mode = "k" })

-- Keeps the first failure of the running test, with the report of that
-- moment.
local function on_failure(_, _, message)
  local w = active
  if w and not w.failure then
    w.failure = tostring(message)
    local t = rawget(w, "t")
    if t and t.status == "up" then
      local ok, r = pcall(t.report, t)
      w.snap_report = ok and r or ("(no report: " .. tostring(r) .. ")")
      ok, r = pcall(t.dot, t)
      w.snap_dot = ok and r or nil
    end
  end
  return nil, true
end

-- Is a Lua source name nsl's own library (compiled in, or NSL_LUA_DIR)?
local function library(source)
  if source:sub(1, 10) == "@embedded:" then return true end
  local dir = os.getenv("NSL_LUA_DIR")
  return dir ~= nil and dir ~= "" and source:sub(2, #dir + 1) == dir
end
M.library = library

-- "file:line" of the innermost function outside nsl's library, busted
-- and luassert from stack level `level` up, or nil.
function M.user_where(level)
  for l = (level or 2) + 1, 80 do
    local info = debug.getinfo(l, "Sl")
    if not info then return nil end
    local src = info.source
    if info.currentline > 0 and not library(src) and not src:find("busted[/\\]") and
        not src:find("luassert[/\\]") then
      return info.short_src .. ":" .. info.currentline
    end
  end
end

-- busted names the place of an error by the first frame outside busted
-- and luassert; nsl's library is skipped too, so an error raised inside
-- it names the user's spec line.
local function hook_trace(c)
  if c.nsl_test_trace then return end
  local orig = c.getTrace
  c.nsl_test_trace = true
  c.getTrace = function(element, level, msg)
    local info = orig(element, (level or 3) + 1, msg)
    if info and info.source and library(info.source) then
      for l = level or 3, 80 do
        local i = debug.getinfo(l, "Sl")
        if not i then break end
        if i.currentline > 0 and not library(i.source) and not i.source:find("busted[/\\]") and
            not i.source:find("luassert[/\\]") then
          info.source, info.short_src, info.currentline = i.source, i.short_src, i.currentline
          break
        end
      end
    end
    return info
  end
end

local subscribed = false

-- Called by nt.world inside a describe: subscribes once, and wraps the
-- spec file's message rewriting so that a failing world test's message
-- ends with the folder of its artifacts.
function M.track(w)
  local c = core()
  hook_trace(c)
  if not subscribed then
    subscribed = true
    c.subscribe({ "failure" }, on_failure)
    c.subscribe({ "error" }, on_failure)
  end
  local e = c.context.get()
  while e and e.descriptor ~= "file" do e = c.context.parent(e) end
  local file = e and e.run
  if type(file) ~= "table" or installed[file] then return end
  installed[file] = true
  local get, rewrite, is_pending = file.getTrace, file.rewriteMessage, false
  file.getTrace = function(name, info)
    local mt = debug.getmetatable(info.message)
    is_pending = mt and mt.__type == "pending" or false
    if get then return get(name, info) end
    local i = info.traceback:find("\n%s*%[C]")
    info.traceback = info.traceback:sub(1, i)
    return info
  end
  file.rewriteMessage = function(name, msg)
    if rewrite then msg = rewrite(name, msg) end
    local a = active
    if a and a.artifacts_dir and not is_pending then
      msg = msg .. "\n(nsl.test: artifacts in " .. a.artifacts_dir .. "/)"
    end
    return msg
  end
  local _ = w
end

-- before_each: w's test starts.
function M.begin(w)
  local el = running_test()
  local name, file = "test", nil
  if el then name, file = describe_test(el) end
  w.test = { name = name, file = file }
  w.failure, w.snap_report, w.snap_dot = nil, nil, nil
  w.artifacts_dir = artifacts.dir(w.test)
  active = w
end

-- after_each: w's test ended; returns its first failure's text, or nil.
function M.finish(w)
  if active == w then active = nil end
  return w.failure
end

return M
