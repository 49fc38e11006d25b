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
-- up or down fail.
local core = require "nsl.core"
local record = require "nsl.record"

local M = {}

local up, order, seq = {}, {}, 0

function M.path(id)
  return record.dir() .. "/" .. (id or record.self().id) .. ".lab.json"
end

local function write()
  local json = require "nsl.json"
  local state = require "nsl.topo.state"
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
  local tmp = path .. ".tmp"
  local f = io.open(tmp, "w")
  if not f then return end -- no run directory: nothing to find again
  f:write(json.encode(doc), "\n")
  f:close()
  os.rename(tmp, path)
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

local function read(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  local ok, doc = pcall(require("nsl.json").decode, text)
  if ok and type(doc) == "table" then return doc end
  return nil
end

-- runs(): what the run directory tells about the runs of this machine:
--   live = { doc, ... }   lab files of live runs (doc.alive = true)
--   dead = { { run = id, record = true|nil, leftovers = { { kind, name,
--            ns }, ... }, lab = doc|nil }, ... }
--          runs that are gone but left objects their record still names
--          (what nsl --clean would remove) or a stale lab file
-- A run id is "<pid>-<start>" (record.c's nsl_rec_id); the start time is
-- compared as a number whether it comes from a file name or a lab file.
local function run_alive(pid, start)
  local now = record.start_time(pid)
  return now ~= nil and now == tonumber(start)
end

function M.runs()
  local dir = record.dir()
  local names = core._readdir(dir) or {}
  local live, dead, seen = {}, {}, {}
  for _, name in ipairs(names) do
    local id = name:match("^(%d+%-%d+)%.lab%.json$")
    if id then
      local doc = read(dir .. "/" .. name)
      if doc and doc.pid and run_alive(doc.pid, doc.start) then
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
    if pid and not run_alive(pid, start) then
      local left = {}
      for _, e in ipairs(record.replay(dir .. "/" .. name)) do
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
-- are gone (their objects are nsl.record's business); returns how many.
function M.clean()
  local dir = record.dir()
  local n = 0
  for _, name in ipairs(core._readdir(dir) or {}) do
    local pid, start = name:match("^(%d+)%-(%d+)%.lab%.json$")
    if not pid then pid, start = name:match("^(%d+)%-(%d+)%.sock$") end
    if pid and not run_alive(pid, start) then
      if os.remove(dir .. "/" .. name) then n = n + 1 end
    end
  end
  return n
end

return M
