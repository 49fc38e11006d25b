-- nsl.record: what this run made, on disk, so that what a failed run
-- made can be rolled back at its end, and what a killed run (SIGKILL, a
-- crash) left can be removed later by nsl --clean.
--
-- The primitives write the record themselves, in C (src/base/record.c),
-- before they return: one file per run in NSL_RUN_DIR (default /run/nsl)
-- named "<pid>-<start time>" (the start time, field 22 of /proc/PID/stat,
-- tells a live run from a dead one whose pid was reused).  One line per
-- event, fields separated by tabs (in names, backslash, tab and newline
-- are escaped as \\, \t, \n):
--
--   +ns    NAME  TMP          before the placeholder /run/netns/TMP (private
--                             to the run: ".nsl-<run>-<n>") is made, O_EXCL
--   =ns    NAME  file  ID     the placeholder exists (ID = dev:ino); it then
--                             takes the name by link(2), which fails on a
--                             namesake, and TMP is unlinked
--   =ns    NAME  net   ID     the namespace exists (its nsfs dev:ino), before
--                             it is bound on /run/netns/NAME
--   -ns    NAME               ns_del removed it (or ns_add failed)
--   +link  NAME  NS  IFINDEX  NSID   the kernel made it, in namespace NS
--                             ("" = nsl's own) whose identity is NSID
--   -link  NAME  NS           link_del removed it
--   +uts   PATH  TMP          before the placeholder TMP (a path beside PATH,
--                             private to the run) is made, O_EXCL
--   =uts   PATH  file ID / =uts PATH uts ID   as for ns (TMP takes PATH
--                             by link(2); the UTS namespace is bound there)
--   -uts   PATH               removed
--   +mnt   PATH  TMP / =mnt PATH file ID / =mnt PATH mnt ID / -mnt PATH
--                             a node's mount namespace (its files and
--                             private directories), as uts
--   +log   PATH / -log PATH   a service's log file nsl made (log = true)
--                             under <run dir>/log (nsl.topo.ready)
--   +proc  PID  START         a background process was started
--   +nft   TABLE              before nsl's own `table inet TABLE` is made in
--                             the root namespace (a topology's NAT and
--                             publish rules; written by nsl.topo.nat)
--   -nft   TABLE              deleted
--   -link  NAME  NS           also: the kernel removed a veth end with the
--                             namespace of its peer (nsl.topo.teardown)
--   +neigh ADDR  DEV  NS  IFINDEX  NSID  PROXY   before neigh_add makes the
--                             entry ADDR (as inet_ntop spells it) on link DEV
--                             (IFINDEX) of namespace NS (identity NSID);
--                             PROXY 1 for a proxy entry
--   -neigh ADDR  DEV  NS  PROXY   neigh_del removed it (or neigh_add failed)
--   +rule  SPEC  NS  NSID     before rule_add makes the rule SPEC ("family=inet
--                             priority=32765 from=10.0.0.0/24 table=100":
--                             rule_del's options, the priority always there)
--   -rule  SPEC  NS           rule_del removed it (or rule_add failed)
--   +fdb   MAC  DEV  NS  VLAN  IFINDEX  NSID  FLAGS   before fdb_add makes
--                             the entry MAC (VLAN 0: none) on bridge port DEV
--                             (IFINDEX) of namespace NS (identity NSID);
--                             FLAGS the NTF_MASTER/NTF_SELF bits it is made with
--   -fdb   MAC  DEV  NS  VLAN  FLAGS   fdb_del removed it (or fdb_add failed)
--   +vlan  PORT  NS  LO  HI  SELF  IFINDEX  NSID   before bridge_vlan_add gives
--                             port PORT (IFINDEX) of namespace NS (identity
--                             NSID) VLANs LO..HI it did not have (SELF 1: the
--                             bridge's own VLANs)
--   -vlan  PORT  NS  LO  HI  SELF   bridge_vlan_del took LO..HI off (or the add
--                             failed); it retires every +vlan of the port
--                             within that range
--   +sysctl KEY  WAS  SET     before nsl sets a root-namespace setting KEY
--                             (net.ipv4.ip_forward, for NAT) that was WAS to
--                             SET; WAS = SET notes a run that relies on it
--                             without changing it (nsl.topo.nat)
--   -sysctl KEY               given back (or no longer relied on)
--   -all                      the run ended well and lets go of everything
--                             above; the lines after it name again what a
--                             topology's or handle's teardown left (finish)
--
-- An object is removed only when what is there now is provably the one
-- this run made (its identity); anything else is a namesake and stays.
local core = require "nsl.core"
local runfile = require "nsl.runfile"

local M = {}

local NETNS = core._netns_dir
local E, SIG = core.errno, core.signals

function M.dir()
  return core._record_dir()
end

-- The start time of a process in clock ticks since boot, or nil when
-- there is no such process (or pid is no pid).
function M.start_time(pid)
  pid = runfile.pid(pid)
  local st = pid and core._proc_stat(pid)
  return st and st.start
end

-- This run: { pid = <number>, start = <ticks>, id = "<pid>-<start>" }.
function M.self()
  local _, id = core._record()
  local pid, start = id:match("^(%d+)%-(%d+)$")
  return { pid = tonumber(pid), start = tonumber(start), id = id }
end

-- Pids of the processes inside the named network namespace (so that a
-- namespace is not kept alive by a server a run left behind).
function M.pids_in(ns)
  return core._netns_pids(ns)
end

-- Sends sig (default SIGKILL) to pid; false when it was gone.
function M.kill(pid, sig)
  local ok, r = pcall(core._kill, pid, sig or SIG.KILL)
  return ok and r
end

local replay, rule_fields = runfile.replay, runfile.rule_fields
M.replay = replay

local function gone(err)
  local code = type(err) == "table" and err.errno
  return code == E.ENOENT or code == E.ENODEV or code == E.ESRCH
end

-- Removes one entry if what is there now is the object the record names;
-- returns true when something was removed, false when it was not there
-- (or is a namesake), or nil, err when it could not be removed.
local remove = {}

function remove.proc(e)
  if M.start_time(e.pid) ~= e.start then return false end
  return M.kill(e.pid, SIG.KILL)
end

-- The placeholder names a run gives its namespaces (netns.c) and UTS
-- files (sys.c): ".nsl-<run>-<n>", nothing else; a record naming another
-- file there is not believed.
local function placeholder(name, run)
  local id, n = tostring(name):match("^%.nsl%-(%d+%-%d+)%-(%d+)$")
  return id ~= nil and id == run and runfile.int(n, 1, math.maxinteger) ~= nil
end
M.placeholder = placeholder

function remove.ns(e)
  local did = false
  if e.tmp and placeholder(e.tmp, e.run) then -- the run's own placeholder name
    did = core._unlink(NETNS .. "/" .. e.tmp) or did
  end
  local path = NETNS .. "/" .. e.name
  local st = core._stat(path)
  if not st then return did end
  if st.nsfs and e.net and st.id == e.net then
    for _, pid in ipairs(core._netns_pids(e.name)) do M.kill(pid, SIG.KILL) end
    local ok, err = pcall(core.ns_del, e.name)
    if ok then return true end
    if gone(err) then return did end
    return nil, err
  elseif not st.nsfs and st.type == "file" and e.file and st.id == e.file then
    return core._unlink(path) or did -- half made: the placeholder
  end
  return did -- a namesake
end

-- A UTS or mount namespace bound at e.name: removed when the binding is
-- the run's (the namespace's identity, or the placeholder's).
local function remove_bound(e, id, del)
  local did = false
  local dir = M.dir() .. "/" .. e.kind .. "/" -- bad_fields saw that e.name is there
  if e.tmp and e.tmp:sub(1, #dir) == dir and placeholder(e.tmp:sub(#dir + 1), e.run) then
    did = core._unlink(e.tmp) or did
  end
  local st = core._stat(e.name)
  if not st then return did end
  if (st.nsfs and id and st.id == id) or
     (not st.nsfs and st.type == "file" and e.file and st.id == e.file) then
    return del(e.name)
  end
  return did
end

-- A service's log that nsl made (log = true) under the run directory.
function remove.log(e)
  if e.name:sub(1, #M.dir() + 5) ~= M.dir() .. "/log/" or e.name:find("/../", 1, true) then return false end
  local did = core._unlink(e.name)
  core._rmdir(M.dir() .. "/log") -- when it was the last
  return did
end

function remove.uts(e) return remove_bound(e, e.uts, core._uts_del) end
function remove.mnt(e) return remove_bound(e, e.mnt, core._mnt_del) end

-- The file of a recorded namespace: /run/netns/NAME, an absolute path as
-- given (nsl-cni's /proc/PID/ns/net), nsl's own without one.
local function ns_file(ns)
  if not ns then return "/proc/self/ns/net" end
  return ns:sub(1, 1) == "/" and ns or NETNS .. "/" .. ns
end

function remove.link(e)
  if e.index == 0 then return false end
  local ns = e.ns ~= "" and e.ns or nil
  local st = core._stat(ns_file(ns))
  if not st or st.id ~= e.nsid then return false end -- that namespace is gone
  local ok, list = pcall(core.link_list, { ns = ns })
  if not ok then return false end
  for _, l in ipairs(list) do
    if l.index == e.index then -- found by ifindex: a rename does not hide it
      local ok2, err = pcall(core.link_del, l.name, { ns = ns })
      if ok2 then return true end
      if gone(err) then return false end
      return nil, err
    end
  end
  return false
end

-- The namespace an entry (link, neigh, rule) was made in, as an ns
-- option, when it is still the one it was (its identity); else nil.
local function same_ns(e)
  local ns = e.ns ~= "" and e.ns or nil
  local st = core._stat(ns_file(ns))
  if not st or st.id ~= e.nsid then return nil end
  return true, ns
end

-- A neighbour entry: removed while its link is still the one it was made
-- on (same name, same ifindex); a link that went took it along.
function remove.neigh(e)
  local here, ns = same_ns(e)
  if not here then return false end
  local ok, l = pcall(core.link_get, e.dev, { ns = ns })
  if not ok or l.index ~= e.index then return false end
  local ok2, err = pcall(core.neigh_del, e.name, { dev = e.dev, ns = ns, proxy = e.proxy or nil })
  if ok2 then return true end
  if gone(err) then return false end
  return nil, err
end

-- A bridge's forwarding entry: removed while its port is still the one it
-- was made on (same name, same ifindex), with the flags it was made with.
-- An entry of the bridge's table (NTF_MASTER) on a port that has no
-- master any more went with its bridge (a down killed between the two).
function remove.fdb(e)
  local here, ns = same_ns(e)
  if not here then return false end
  local ok, l = pcall(core.link_get, e.dev, { ns = ns })
  if not ok or l.index ~= e.index then return false end
  local self = e.flags & 2 ~= 0 -- NTF_SELF; NTF_MASTER is 4
  if e.flags & 4 ~= 0 and not l.master then return false end
  local ok2, err = pcall(core.fdb_del, e.name, { dev = e.dev, ns = ns, vlan = e.vlan > 0 and e.vlan or nil,
    self = self or nil, master = (e.flags & 4 ~= 0) or nil })
  if ok2 then return true end
  if gone(err) then return false end
  return nil, err
end

-- VLANs a run gave a port: those of its range the port has now are taken
-- off, while the port is still the one it gave them to (same ifindex).
function remove.vlan(e)
  local here, ns = same_ns(e)
  if not here then return false end
  local ok, l = pcall(core.link_get, e.name, { ns = ns })
  if not ok or l.index ~= e.index then return false end
  local ok2, list = pcall(core.bridge_vlan_list, { dev = e.name, ns = ns })
  if not ok2 then return nil, list end
  local have = {}
  for _, r in ipairs(list) do have[r.vid] = true end
  local did, v = false, e.lo
  while v <= e.hi do
    if have[v] then
      local start = v
      while v + 1 <= e.hi and have[v + 1] do v = v + 1 end
      local ok3, err = pcall(core.bridge_vlan_del, e.name, start == v and start or (start .. "-" .. v),
        { ns = ns, self = e.self or nil })
      if not ok3 and not gone(err) then return nil, err end
      did = did or ok3
    end
    v = v + 1
  end
  return did
end

-- A rule: deleted by every selector and its priority, as it was made.
function remove.rule(e)
  local here, ns = same_ns(e)
  if not here then return false end
  local mine, opts = rule_fields(e.name), { ns = ns }
  for k, x in pairs(mine) do
    opts[k] = (k == "priority" or k == "table") and tonumber(x) or x
  end
  -- The kernel deletes the first rule that has the given selectors, and
  -- one with more of them matches too: delete only when that first one
  -- is exactly the run's (else it is a namesake, and stays).
  local ok, list = pcall(core.rule_list, { ns = ns, family = mine.family })
  if not ok then return nil, list end
  local first
  for _, r in ipairs(list) do
    local have = { family = r.family, priority = tostring(r.priority), from = r.from, to = r.to, iif = r.iif,
      oif = r.oif, table = r.table and tostring(r.table),
      action = r.action ~= "table" and r.action or nil,
      fwmark = math.type(r.fwmark) == "integer" and string.format("0x%x/0xffffffff", r.fwmark) or r.fwmark }
    local all = true
    for k, x in pairs(mine) do all = all and have[k] == x end
    if all then
      first = first or have
    end
  end
  if not first then return false end
  for k, x in pairs(first) do
    if mine[k] ~= x then return false end -- it has a selector the run's had not
  end
  local ok2, err = pcall(core.rule_del, opts)
  if ok2 then return true end
  if gone(err) then return false end
  return nil, err
end

-- The comment that marks an nftables table as run's (nsl.topo.nat makes
-- its table with it): what remove.nft checks before it deletes one.
function M.nft_owner(run)
  return "nsl run " .. run
end

local function nft_gone(err)
  return tostring(err):find("No such file or directory", 1, true) ~= nil
end

-- nft_mine(name, run): the handle of the root namespace's `table inet
-- name` when its own comment is run's mark (nft_owner), false when there
-- is no such table or it is a namesake (another run's, someone else's),
-- nil and the reason when it could not be listed.  Handles are never
-- reused, so the handle names that very table, whatever is made or
-- deleted after the listing.
function M.nft_mine(name, run)
  local ok, text = pcall(core.nft, "list table inet " .. name, { handles = true })
  if not ok then
    if nft_gone(text) then return false end
    return nil, text
  end
  local handle, comment = text:match("^table inet [^\n]- { # handle (%d+)\n\tcomment (\"[^\n]*\")\n")
  if not handle or comment ~= '"' .. M.nft_owner(run) .. '"' then return false end
  return tonumber(handle)
end

-- nft_delete(name, run): deletes the root namespace's `table inet name`
-- only when it carries run's mark, by its handle (so a table of that name
-- made meanwhile by another run is never the one deleted).  true when it
-- was deleted, false when it was not there or is a namesake, nil and the
-- reason when it could not be.
function M.nft_delete(name, run)
  if not name:match("^nsl[%w_.%-]*$") then return nil, "not an nsl table: " .. name end
  local handle, err = M.nft_mine(name, run)
  if not handle then return handle, err end
  local ok, text = pcall(core.nft, "delete table inet handle " .. handle)
  if ok then return true end
  if nft_gone(text) then return false end
  return nil, text
end

-- nsl's own nftables table in the root namespace: only a table of the
-- name nsl gives and whose comment names the run is ever deleted (one
-- of that name made by another run, or by someone else, is a namesake).
function remove.nft(e)
  return M.nft_delete(e.name, e.run)
end

-- The open +sysctl entry of key in a run other than the one named
-- except: of a live run (it relies on the setting), or with any = true
-- of any run, dead ones too (whose record still holds the value the
-- setting had before nsl switched it); nil when there is none.
local function held(key, except, any)
  for _, name in ipairs(core._readdir(M.dir()) or {}) do
    local pid, start = name:match("^(%d+)%-(%d+)$")
    if pid and name ~= except and (any or M.start_time(pid) == tonumber(start)) then
      for _, e in ipairs(replay(M.dir() .. "/" .. name)) do
        if e.kind == "sysctl" and e.name == key then return e end
      end
    end
  end
  return nil
end

-- Runs f(...) holding the lock of the root namespace's settings, so that
-- two runs' read-decide-write steps on them never interleave.
local function locked(f, ...)
  core._mkdir(M.dir(), tonumber("700", 8))
  local fd = core._lock(M.dir()) -- the records' directory itself: no file to leave
  local ok, r = pcall(f, ...)
  core._unlock(fd)
  if not ok then error(r, 0) end
  return r
end

-- sysctl_hold(key, value): this run relies on the root-namespace setting
-- key being value: noted in the record with the value it had before any
-- nsl run switched it (a live run's or a killed one's record may know),
-- then set.  The last run to let go gives it back (sysctl_release,
-- rollback, --clean).
function M.sysctl_hold(key, value)
  return locked(function()
    local now = core.sysctl(key)
    local other = now == value and held(key, M.self().id, true)
    local was = other and other.was or now
    core._record_note("+", "sysctl", key, was, value)
    if now ~= value then core.sysctl(key, value) end
    return was
  end)
end

-- sysctl_release(key, value, was): gives the setting back to was unless a
-- live run still relies on it or someone changed it meanwhile.
function M.sysctl_release(key, value, was)
  locked(function()
    if was ~= value and not held(key, M.self().id) and core.sysctl(key) == value then
      core.sysctl(key, was)
    end
    core._record_note("-", "sysctl", key)
  end)
end

-- A root-namespace setting a run switched: given back to what it was,
-- unless it no longer has the value the run set (someone changed it
-- since) or a live run relies on it.
function remove.sysctl(e)
  if not e.was or not e.set or e.was == e.set then return false end
  return locked(function()
    if held(e.name, e.run) then return false end
    local ok, now = pcall(core.sysctl, e.name)
    if not ok or now ~= e.set then return false end
    core.sysctl(e.name, e.was)
    return true
  end)
end

local function remove_entry(e)
  if e.bad then return nil, M.dir() .. "/" .. e.run .. ": +" .. e.kind .. " " .. e.name .. ": " .. e.bad end
  local f = remove[e.kind]
  if not f then return false end
  local ok, did, err = pcall(f, e)
  if not ok then return nil, did end
  return did, err
end

local Removed = { __name = "nsl.removed" }
Removed.__index = Removed
function Removed.__tostring(r)
  local what = r.kind == "ns" and "namespace " .. r.name
    or r.kind == "link" and "link " .. r.name .. (r.ns ~= "" and " in " .. r.ns or "")
    or r.kind == "uts" and "UTS namespace " .. r.name
    or r.kind == "mnt" and "mount namespace " .. r.name
    or r.kind == "log" and "service log " .. r.name
    or r.kind == "nft" and "nftables table inet " .. r.name
    or r.kind == "sysctl" and "setting " .. r.name .. " given back"
    or r.kind == "neigh" and "neighbour " .. r.name .. (r.ns ~= "" and " in " .. r.ns or "")
    or r.kind == "rule" and "rule " .. r.name .. (r.ns ~= "" and " in " .. r.ns or "")
    or r.kind == "fdb" and "forwarding entry " .. r.name .. (r.ns ~= "" and " in " .. r.ns or "")
    or r.kind == "vlan" and "VLANs " .. r.range .. " of " .. r.name .. (r.ns ~= "" and " in " .. r.ns or "")
    or "process " .. r.name
  return runfile.shown(what .. " (run " .. r.run .. ")")
end

local rank = { proc = 1, log = 1.5, uts = 2, mnt = 2, nft = 2.5, rule = 2.6, neigh = 2.7, fdb = 2.8, vlan = 2.9, link = 3, ns = 4,
  sysctl = 5 }

-- clean(): removes what dead runs left behind, per their records, and
-- nothing else; returns the list of what it removed.  Live runs (this
-- one included) are left alone.  A record whose objects could not all be
-- removed stays, with what remains; the reasons are the second result.
function M.clean()
  local removed, failures = {}, {}
  local names = core._readdir(M.dir()) or {}
  for _, name in ipairs(names) do
    local pid, start = name:match("^(%d+)%-(%d+)$")
    local tpid, tstart = name:match("^(%d+)%-(%d+)%.tmp$") -- a rewrite cut short
    if tpid and runfile.parse_id(tpid .. "-" .. tstart) and M.start_time(tpid) ~= tonumber(tstart) then
      os.remove(M.dir() .. "/" .. name)
    end
    local file = M.dir() .. "/" .. name
    local entries, why
    if pid and not runfile.parse_id(name) then
      why = "no run of nsl: its pid or start time is out of range"
    elseif pid and M.start_time(pid) ~= tonumber(start) then
      entries, why = replay(file)
    end
    if why then
      failures[#failures + 1] = file .. ": " .. why .. " (left alone)"
    elseif entries then
      for i, e in ipairs(entries) do e.seq, e.run = i, name end
      table.sort(entries, function(x, y)
        if rank[x.kind] ~= rank[y.kind] then return (rank[x.kind] or 9) < (rank[y.kind] or 9) end
        return x.seq > y.seq
      end)
      local left = {}
      for _, e in ipairs(entries) do
        local did, err = remove_entry(e)
        if did then
          removed[#removed + 1] = setmetatable({ kind = e.kind, name = e.name,
            ns = (e.kind == "link" or e.kind == "neigh" or e.kind == "rule" or e.kind == "fdb" or
              e.kind == "vlan") and e.ns or nil,
            range = e.kind == "vlan" and (e.lo == e.hi and tostring(e.lo) or e.lo .. "-" .. e.hi) or nil,
            run = name }, Removed)
        elseif did == nil then
          left[#left + 1] = e
          failures[#failures + 1] = runfile.shown(tostring(err))
        end
      end
      if #left == 0 then
        os.remove(file)
      else
        table.sort(left, function(x, y) return x.seq < y.seq end)
        local lines = {}
        for _, e in ipairs(left) do lines[#lines + 1] = table.concat(e.lines, "\n") .. "\n" end
        -- whole or not at all: a full directory keeps the record as it was
        pcall(core._write_whole, file, table.concat(lines))
      end
    end
  end
  return removed, failures
end

-- rollback(): the end of a failed run (called from C, signals blocked,
-- before the state is closed): takes down its topologies and handles by
-- their own rules, newest first, then removes what its record still
-- names, newest first (processes are left to the process handles' own
-- stop at close: SIGTERM, grace, SIGKILL).  Returns how many objects
-- could not be removed; reasons are printed on stderr.
function M.rollback()
  for _, mod in ipairs({ "nsl.topo.engine", "nsl.netns" }) do
    local m = package.loaded[mod]
    if m and m.close_all then pcall(m.close_all) end
  end
  local file = core._record()
  if not file then return 0 end
  local entries = replay(file)
  local left, id = 0, M.self().id
  for i = #entries, 1, -1 do
    local e = entries[i]
    e.run = id
    if e.kind ~= "proc" then
      local did, err = remove_entry(e)
      if did == nil then
        left = left + 1
        io.stderr:write("nsl: rollback: ", tostring(err), "\n")
      end
    end
  end
  return left
end

-- teardown_failed(what, err): a teardown failed where no caller can
-- catch it (a handle's or a topology's __close at the end of its scope,
-- its __gc, the end of the run): one line on stderr, with or without -W,
-- "nsl: closing netns blue: ns_del: blue: Device or resource busy",
-- and the run's exit status will say it failed.  What resisted stays in
-- the record for nsl --clean.
function M.teardown_failed(what, err)
  io.stderr:write("nsl: ", what, ": ", tostring(err), "\n")
  io.stderr:flush()
  core._teardown_failed()
end

-- finish(): the end of a run that ended well (called from C, signals
-- blocked, before the state is closed): takes down its topologies and
-- handles by their own rules, newest first, as their finalizers would.
-- When a teardown left something (a namespace a stray process holds...),
-- the record lets go of everything else (what bare primitives made stays,
-- as ip leaves it) and names just what resisted, so that nsl --clean can
-- remove it; returns how many objects that is (0: the record can go).
function M.finish()
  local spans = {}
  for _, mod in ipairs({ "nsl.topo.engine", "nsl.netns" }) do
    local m = package.loaded[mod]
    if m and m.close_all then
      pcall(m.close_all)
      for _, s in ipairs(m.resisted and m.resisted() or {}) do spans[#spans + 1] = s end
    end
  end
  if #spans == 0 then return 0 end
  local file = core._record()
  if not file then return 0 end
  local lines, n = {}, 0
  for _, e in ipairs(replay(file)) do
    for _, s in ipairs(spans) do
      if e.made > s[1] and e.made <= s[2] and e.kind ~= "proc" then
        n = n + 1
        for _, l in ipairs(e.lines) do lines[#lines + 1] = l end
        break
      end
    end
  end
  core._record_release(table.concat(lines, "\n"))
  return n
end

return M
