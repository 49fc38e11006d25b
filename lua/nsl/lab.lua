-- nsl.lab: the lab file of a run, so that a human (or nsl ls / show /
-- exec from another terminal) can find its topologies again.
--
-- While at least one topology of the run is up, the run directory (the
-- record's: NSL_RUN_DIR, default /run/nsl) holds "<run id>.lab.json"
-- beside the run's record "<run id>":
--
--   { "run": "4242-98765", "pid": 4242, "start": 98765,
--     "script": "lab.lua", "cwd": "/home/me",
--     "topologies": [ <nsl.topo.state entry>, ... ] }
--
-- A lab that nsl up started (nsl.keeper) adds "name" (the run's name)
-- and "socket" (<run id>.sock beside it, where the keeper listens).
--
-- Each entry gives the prefix, every namespace's name, real name,
-- hostname (and UTS path), interfaces and addresses, the bridges, links
-- and services (with pids).  engine.up writes it once a topology is up,
-- engine.down rewrites it (and removes it with the last topology).
-- Liveness is the record's: the pid's start time must still match.
-- Writing is best effort: a lab file that cannot be written never makes
-- up or down fail.  It is written whole or not at all (core._write_whole:
-- a full run directory leaves the previous one, never half of the new).
local core = require("nsl.core")
local record = require("nsl.record")
local json = require("nsl.json")
local state = require("nsl.topo.state")
local runfile = require("nsl.runfile")

local M = {}

local up, order, seq = {}, {}, 0

function M.path(id)
  return record.dir() .. "/" .. (id or record.self().id) .. ".lab.json"
end

local function write()
  local tops = json.array()
  for _, t in ipairs(order) do
    if up[t] then tops[#tops + 1] = state.entry(t) end
  end
  local path = M.path()
  if #tops == 0 then
    os.remove(path)
    return
  end
  local me = record.self()
  local script = type(arg) == "table" and arg[0] or nil
  local doc = { run = me.id, pid = me.pid, start = me.start, script = script,
                cwd = os.getenv("PWD"), topologies = tops }
  for k, v in pairs(M.keeper or {}) do doc[k] = v end -- nsl up's lab: name, socket
  core._write_whole(path, json.encode(doc) .. "\n") -- raises: refresh's pcall
end

local function refresh()
  local live = {}
  for _, t in ipairs(order) do if up[t] then live[#live + 1] = t end end
  order = live
  pcall(write)
end

-- refresh(): writes the lab file again (after a live change: a fault,
-- a capture), so that nsl show tells the truth.
M.refresh = refresh

-- up(t): t is up now; note it in the lab file.
function M.up(t)
  if not up[t] then
    seq = seq + 1
    order[#order + 1] = t
  end
  up[t] = seq
  refresh()
end

-- down(t): t is down; the lab file forgets it.
function M.down(t)
  if not up[t] then return end
  up[t] = nil
  refresh()
end

-- A lab file is believed field by field: any user who can write the run
-- directory (a rootless world's is its user's), or a run killed while
-- writing, may have left anything there.  check(doc) gives the reason a
-- document is not a lab file nsl wrote, or nil.
local MAX_STR, MAX_ITEMS = 4096, 65536

local function str(v, what, opt)
  if v == nil and opt then return nil end
  if type(v) ~= "string" then return what .. " must be a string, got " .. type(v) end
  if #v > MAX_STR then return what .. " is longer than " .. MAX_STR .. " bytes" end
  return nil
end

-- A namespace's or link's real name: what ns_exec and link_list are given.
local function is_name(v, what, opt)
  local why = str(v, what, opt)
  if why or v == nil then return why end
  if v == "" or v == "." or v == ".." or v:find("[/\0]") or #v > 255 then
    return what .. " '" .. v .. "' is not a name"
  end
  return nil
end

local function list(v, what, each)
  if v == nil then return nil end
  if type(v) ~= "table" then return what .. " must be an array, got " .. type(v) end
  local n = 0
  for k in pairs(v) do
    n = n + 1
    if math.type(k) ~= "integer" or k < 1 or n > MAX_ITEMS then return what .. " must be an array" end
  end
  for i = 1, n do
    if type(v[i]) ~= (each and "table" or "string") then
      return what .. "[" .. i .. "] must be a" .. (each and " table" or " string") .. ", got " .. type(v[i])
    end
    local why
    if each then why = each(v[i], what .. "[" .. i .. "]") else why = str(v[i], what .. "[" .. i .. "]") end
    if why then return why end
  end
  return nil
end

local function fields(t, where, spec)
  for _, f in ipairs(spec) do
    local why = f[2](t[f[1]], where .. "." .. f[1], f[3])
    if why then return why end
  end
  return nil
end

local function is_pid(v, what, opt)
  if v == nil and opt then return nil end
  if not runfile.pid(v) then return what .. " " .. tostring(v) .. " is not a pid" end
  return nil
end

-- A namespace's UTS or mount namespace file, which nsl exec joins: only
-- nsl's own, <run dir>/uts|mnt/<name> (runfile.placed).
local function ns_file(kind)
  return function(v, what, opt)
    local why = str(v, what, opt)
    if why or v == nil then return why end
    why = runfile.placed(kind, v)
    return why and what .. ": " .. why
  end
end

local function check_top(top, where)
  local why = fields(top, where, {
    { "prefix", str }, { "state", str, true },
    { "namespaces", function(v, w) return list(v, w, function(n, nw)
      return fields(n, nw, { { "name", str }, { "real", is_name }, { "hostname", str, true }, { "uts", ns_file("uts"), true },
        { "mnt", ns_file("mnt"), true }, { "files", function(fv, fw) return list(fv, fw) end },
        { "interfaces", function(iv, iw) return list(iv, iw, function(i, ii)
          return fields(i, ii, { { "name", str, true }, { "real", is_name, true }, { "address", str, true },
            { "peer", str, true } })
        end) end } })
    end) end },
    { "bridges", function(v, w) return list(v, w, function(b, bw)
      return fields(b, bw, { { "name", str }, { "real", is_name }, { "address", str, true }, { "ns", is_name, true } })
    end) end },
    { "links", function(v, w) return list(v, w, function(l, lw)
      return list(l.ends, lw .. ".ends", function(x, xw)
        return fields(x, xw, { { "node", str, true }, { "name", str, true }, { "real", is_name, true },
          { "address", str, true }, { "ns", is_name, true } })
      end)
    end) end },
    { "services", function(v, w) return list(v, w, function(sv, sw)
      return fields(sv, sw, { { "name", str }, { "ns", str }, { "pid", is_pid, true },
        { "cmd", function(c, cw) return list(c, cw) end } })
    end) end },
  })
  if why then return why end
  for _, k in ipairs({ "namespaces", "bridges", "links", "services" }) do top[k] = top[k] or {} end
  for _, l in ipairs(top.links) do l.ends = l.ends or {} end
  return nil
end

local function check(doc, id)
  if type(doc) ~= "table" then return "not a JSON object" end
  if doc.run ~= id then return "run " .. tostring(doc.run) .. " is not " .. id .. ", its file's name" end
  local why = is_pid(doc.pid, "pid") or
    (runfile.int(doc.start, 0, math.maxinteger) == nil and "start " .. tostring(doc.start) .. " is not a start time")
    or str(doc.script, "script", true) or str(doc.cwd, "cwd", true)
    or str(doc.name, "name", true) or str(doc.socket, "socket", true)
    or list(doc.topologies, "topologies", check_top)
  if why then return why end
  local id_pid, id_start = runfile.parse_id(id)
  if id_pid ~= doc.pid or id_start ~= doc.start then
    return "pid " .. doc.pid .. " and start " .. doc.start .. " are not those of run " .. id
  end
  return nil
end

-- The lab file path as a document (or nil and why it is not believed;
-- nil alone when it is gone, its run having ended meanwhile).
local function read(path, id)
  local text, why, errno = core._read_file(path, runfile.MAX_LAB)
  if not text then return nil, errno ~= core.errno.ENOENT and why or nil end
  local ok, doc = pcall(json.decode, text)
  if not ok then return nil, tostring(doc):gsub("^.-nsl%.json: ", "not JSON: ") end
  why = check(doc, id)
  if why then return nil, why end
  return doc
end

-- runs([warn]): what the run directory tells about the runs of this machine:
--   live = { doc, ... }   lab files of live runs (doc.alive = true)
--   dead = { { run = id, record = true|nil, leftovers = { { kind, name,
--            ns }, ... }, lab = doc|nil }, ... }
--          runs that are gone but left objects their record still names
--          (what nsl --clean would remove) or a stale lab file
-- A run id is "<pid>-<start>" (record.c's nsl_rec_id); the start time is
-- compared as a number whether it comes from a file name or a lab file.
-- A file that is not what nsl writes (not a regular file, too large, not
-- JSON, a field of the wrong type or out of range) is skipped: warn(path,
-- reason) is called for it.
local function run_alive(pid, start)
  local now = record.start_time(pid)
  return now ~= nil and now == tonumber(start)
end

-- wait_end(pid [, start], seconds): waits until process pid has ended
-- (gone, or a zombie its parent has not reaped yet; with start, also
-- when pid is another process now); false when it still runs after
-- seconds.
function M.wait_end(pid, start, seconds)
  local deadline = core.now() + seconds
  while true do
    local st = core._proc_stat(pid)
    if not st or st.state == "Z" or (start and st.start ~= tonumber(start)) then return true end
    if core.now() > deadline then return false end
    core.sleep(0.01)
  end
end

function M.runs(warn)
  warn = warn or function() end
  local dir = record.dir()
  local names = core._readdir(dir) or {}
  local live, dead, seen = {}, {}, {}
  for _, name in ipairs(names) do
    local id = name:match("^(%d+%-%d+)%.lab%.json$")
    if id and not runfile.parse_id(id) then
      warn(dir .. "/" .. name, "no run of nsl: its pid or start time is out of range")
    elseif id then
      local doc, why = read(dir .. "/" .. name, id)
      if not doc then
        if why then warn(dir .. "/" .. name, why) end -- else gone since: its run ended
      elseif run_alive(doc.pid, doc.start) then
        doc.alive = true
        live[#live + 1] = doc
      else
        seen[id] = seen[id] or { run = id }
        seen[id].lab = doc
      end
    end
  end
  for _, name in ipairs(names) do
    local pid, start = name:match("^(%d+)%-(%d+)$")
    if pid and not runfile.parse_id(name) then
      warn(dir .. "/" .. name, "no run of nsl: its pid or start time is out of range")
    elseif pid and not run_alive(pid, start) then
      local left = {}
      local entries, why = record.replay(dir .. "/" .. name)
      if why then warn(dir .. "/" .. name, why) end
      for _, e in ipairs(entries) do
        local in_ns = e.kind == "link" or e.kind == "neigh" or e.kind == "rule"
        left[#left + 1] = { kind = e.kind, name = e.name, ns = in_ns and e.ns ~= "" and e.ns or nil }
      end
      if #left > 0 then -- an emptied record is no leftover: --clean just drops it
        seen[name] = seen[name] or { run = name }
        seen[name].record = true
        seen[name].leftovers = left
      end
    end
  end
  for _, d in pairs(seen) do dead[#dead + 1] = d end
  table.sort(dead, function(a, b) return a.run < b.run end)
  table.sort(live, function(a, b) return a.run < b.run end)
  return live, dead
end

-- node_names(): the node names (and real names) of the topologies up
-- in this run and in the live runs of the lab files, without repeats.
function M.node_names()
  local seen, out = {}, {}
  local function add(n)
    if n and not seen[n] then seen[n] = true; out[#out + 1] = n end
  end
  for _, t in ipairs(order) do
    if up[t] then
      for _, n in ipairs(t.model.namespaces) do add(n.name) add(n.real) end
    end
  end
  for _, doc in ipairs((M.runs())) do
    for _, top in ipairs(doc.topologies or {}) do
      for _, n in ipairs(top.namespaces or {}) do add(n.name) add(n.real) end
    end
  end
  return out
end

-- clean(): removes the lab files (and a keeper's socket) of runs that
-- are gone (their objects are nsl.record's business), and the
-- half-written ones (.tmp) of a run killed while it wrote one; returns
-- how many.
function M.clean()
  local dir = record.dir()
  local n = 0
  for _, name in ipairs(core._readdir(dir) or {}) do
    local pid, start = name:match("^(%d+)%-(%d+)%.lab%.json$")
    if not pid then pid, start = name:match("^(%d+)%-(%d+)%.lab%.json%.tmp$") end
    if not pid then pid, start = name:match("^(%d+)%-(%d+)%.sock$") end
    if pid and not run_alive(pid, start) then
      if os.remove(dir .. "/" .. name) then n = n + 1 end
    end
  end
  return n
end

return M
