-- nsl.record: what this run created, on disk, so that the leftovers of a
-- run that was killed (SIGKILL, a crash) can be removed later.
--
-- One file per run in NSL_RUN_DIR (default /run/nsl), named
-- "<pid>-<starttime>": the start time (from /proc/<pid>/stat) tells a
-- live run from a dead one whose pid was reused.  Lines are appended:
--
--   +ns<TAB>name             before a namespace is made
--   +link<TAB>name<TAB>ns    before a link is made ("" = root namespace)
--   +proc<TAB>pid<TAB>start  after a process is started
--   +uts<TAB>path            before a UTS namespace is bound there
--   +nft<TAB>table<TAB>      before nsl's own `table inet <table>` is made
--                            in the root namespace (issue 16)
--   =<kind>...<TAB>identity  once made: which object it is (nsfs id,
--                            ifindex), so a namesake is never removed
--   -<kind>...               after it was removed again
--
-- An entry is written BEFORE the object exists, so a run killed in the
-- middle of creating it is covered; clean() treats "not there" as done.
-- When every entry of the file is removed again, the file goes too.
local core = require "nsl.core"

local M = {}

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

function M.dir()
  return os.getenv("NSL_RUN_DIR") or "/run/nsl"
end

-- The start time of a process in clock ticks since boot (field 22 of
-- /proc/<pid>/stat), or nil when there is no such process.
local function start_time(pid)
  local f = io.open("/proc/" .. pid .. "/stat", "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  local rest = s:match("^.*%)%s+(.*)$")
  if not rest then return nil end
  local fields = {}
  for w in rest:gmatch("%S+") do fields[#fields + 1] = w end
  return fields[20]
end
M.start_time = start_time

local me
-- This run: { pid = <number>, start = "<ticks>", id = "<pid>-<start>" }.
function M.self()
  if not me then
    local f = assert(io.open("/proc/self/stat", "r"))
    local pid = f:read("a"):match("^(%d+)")
    f:close()
    me = { pid = tonumber(pid), start = start_time(pid) }
    me.id = pid .. "-" .. me.start
  end
  return me
end

local live, live_n, dir_ready = {}, 0, false

local function path()
  return M.dir() .. "/" .. M.self().id
end

local function append(line)
  if not dir_ready then
    os.execute("mkdir -p -m 0755 " .. quote(M.dir()) .. " 2>/dev/null")
    dir_ready = true
  end
  local f, err, errno = io.open(path(), "a")
  if not f then
    core._fail("record", path(), (err:gsub("^.*: ", "")), errno)
  end
  f:write(line, "\n")
  f:close()
end

local function key(kind, a, b)
  for _, v in ipairs({ a, b or "" }) do
    if tostring(v):find("[\t\n]") then
      core._fail("record", tostring(v), "names may not hold tabs or newlines")
    end
  end
  return kind .. "\t" .. a .. "\t" .. (b or "")
end

-- add(kind, a [, b]): note an object about to be made.
function M.add(kind, a, b)
  local k = key(kind, a, b)
  append("+" .. k)
  if not live[k] then live[k] = true; live_n = live_n + 1 end
end

-- drop(kind, a [, b]): the object is gone (or was never made).
function M.drop(kind, a, b)
  local k = key(kind, a, b)
  if not live[k] then return end
  live[k] = nil
  live_n = live_n - 1
  if live_n == 0 then
    os.remove(path())
  else
    append("-" .. k)
  end
end

-- What makes an object this one and not a namesake made later: a
-- namespace's nsfs identity ("net:[4026532316]", from the bind mount in
-- /proc/self/mountinfo), a root-namespace link's ifindex.  nil if unknown.
local function identity(kind, a, b)
  if kind == "ns" then
    local f = io.open("/proc/self/mountinfo", "r")
    if not f then return nil end
    local want = "/run/netns/" .. a
    for line in f:lines() do
      local root, point = line:match("^%S+ %S+ %S+ (%S+) (%S+)")
      if point == want and root:match("^net:") then f:close() return root end
    end
    f:close()
  elseif kind == "link" and b == "" then
    local f = io.open("/sys/class/net/" .. a .. "/ifindex", "r")
    if f then
      local v = f:read("l")
      f:close()
      return v
    end
  end
  return nil
end

-- made(kind, a [, b]): the object now exists; notes its identity, so
-- that clean() will not remove a namesake that replaced it.
function M.made(kind, a, b)
  local k = key(kind, a, b)
  local id = live[k] and identity(kind, a, b)
  if id then append("=" .. k .. "\t" .. id) end
end

-- The live entries of a record file, in the order they were made.
local function replay(file)
  local order, state, ids = {}, {}, {}
  for line in io.lines(file) do
    local sign, k = line:sub(1, 1), line:sub(2)
    if sign == "+" then
      if not state[k] then order[#order + 1] = k end
      state[k] = true
      ids[k] = nil
    elseif sign == "-" then
      state[k] = false
    elseif sign == "=" then
      local kk, id = k:match("^(.*)\t([^\t]*)$")
      if kk then ids[kk] = id end
    end
  end
  local out = {}
  for _, k in ipairs(order) do
    if state[k] then
      local kind, a, b = k:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      if kind then out[#out + 1] = { kind = kind, a = a, b = b, key = k, id = ids[k] } end
    end
  end
  return out
end

-- Pids of the processes inside the named network namespace (so that a
-- namespace is not kept alive by a server the dead run left behind).
function M.pids_in(ns)
  local p = io.popen("stat -L -c '%d:%i %n' " .. quote("/run/netns/" .. ns) ..
    " /proc/[0-9]*/ns/net 2>/dev/null")
  local text = p:read("a")
  p:close()
  local id = text:match("^(%S+) /run/netns/")
  local pids = {}
  if not id then return pids end
  for dev, pid in text:gmatch("(%S+) /proc/(%d+)/ns/net") do
    if dev == id then pids[#pids + 1] = tonumber(pid) end
  end
  return pids
end

function M.kill(pid, sig)
  if core.kill then
    return pcall(core.kill, pid, sig or 9)
  end
  return os.execute(string.format("kill -%d %d 2>/dev/null", sig or 9, pid))
end

local Removed = { __name = "nsl.removed" }
Removed.__index = Removed
function Removed.__tostring(r)
  local what = r.kind == "ns" and "namespace " .. r.name
    or r.kind == "link" and "link " .. r.name .. (r.ns ~= "" and " in " .. r.ns or "")
    or r.kind == "uts" and "UTS namespace " .. r.name
    or r.kind == "nft" and "nftables table inet " .. r.name
    or "process " .. r.name
  return what .. " (run " .. r.run .. ")"
end

local function gone(err)
  local code = type(err) == "table" and err.code
  return code == "ENOENT" or code == "ENODEV" or code == "ESRCH"
end

-- Removes one entry; returns true when something was removed, false
-- when it was not there, or nil, err when it could not be removed.
local function remove(e)
  if e.kind == "proc" then
    if start_time(e.a) ~= e.b then return false end
    M.kill(tonumber(e.a), 9)
    return true
  elseif e.kind == "link" then
    if e.b ~= "" and not core.ns_exists(e.b) then return false end
    if e.id and identity("link", e.a, e.b) ~= e.id then return false end -- a namesake
    local ok, err = pcall(core.link_del, e.a, { ns = e.b ~= "" and e.b or nil })
    if ok then return true end
    if gone(err) then return false end
    return nil, err
  elseif e.kind == "uts" then
    local f = io.open(e.a, "r")
    if not f then return false end
    f:close()
    os.execute("umount -l " .. quote(e.a) .. " 2>/dev/null")
    os.remove(e.a)
    return true
  elseif e.kind == "nft" then -- issue 16: nsl's own table in the root namespace
    if not e.a:match("^nsl[%w_.%-]*$") then return nil, "not an nsl table: " .. e.a end
    local ok, err = pcall(core.nft, "delete table inet " .. e.a)
    if ok then return true end
    if type(err) == "table" and err.reason and err.reason:find("No such file or directory", 1, true) then
      return false
    end
    return nil, err
  elseif e.kind == "ns" then
    if not core.ns_exists(e.a) then return false end
    if e.id and identity("ns", e.a) ~= e.id then return false end -- a namesake
    for _, pid in ipairs(M.pids_in(e.a)) do M.kill(pid, 9) end
    local ok, err = pcall(core.ns_del, e.a)
    if ok then return true end
    if gone(err) then return false end
    return nil, err
  end
  return false
end

local rank = { proc = 1, uts = 2, nft = 2.5, link = 3, ns = 4 }

-- clean(): removes what dead runs left behind, per their records, and
-- nothing else; returns the list of what it removed.  Live runs (this
-- one included) are left alone.  A record whose objects could not all be
-- removed stays, with what remains; the reasons are the second result.
function M.clean()
  local removed, failures = {}, {}
  local p = io.popen("ls -1 " .. quote(M.dir()) .. " 2>/dev/null")
  local names = {}
  for name in p:lines() do names[#names + 1] = name end
  p:close()
  for _, name in ipairs(names) do
    local pid, start = name:match("^(%d+)%-(%d+)$")
    if pid and start_time(pid) ~= start then
      local file = M.dir() .. "/" .. name
      local entries = replay(file)
      for i, e in ipairs(entries) do e.seq = i end
      table.sort(entries, function(x, y)
        if rank[x.kind] ~= rank[y.kind] then return (rank[x.kind] or 9) < (rank[y.kind] or 9) end
        return x.seq > y.seq
      end)
      local left = {}
      for _, e in ipairs(entries) do
        local ok, did, err = pcall(remove, e)
        if not ok then did, err = nil, did end
        if did then
          removed[#removed + 1] = setmetatable(
            { kind = e.kind, name = e.a, ns = e.kind == "link" and e.b or nil, run = name }, Removed)
        elseif did == nil then
          left[#left + 1] = e
          failures[#failures + 1] = tostring(err)
        end
      end
      if #left == 0 then
        os.remove(file)
      else
        local f = io.open(file, "w")
        if f then
          for _, e in ipairs(left) do
            f:write("+", e.key, "\n")
            if e.id then f:write("=", e.key, "\t", e.id, "\n") end
          end
          f:close()
        end
      end
    end
  end
  return removed, failures
end

return M
