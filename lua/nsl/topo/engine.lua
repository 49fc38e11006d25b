-- nsl.topo.engine: up and down.  up runs the plan's steps in order (the
-- primitives record each object as they make it); a failure unwinds what
-- was made, newest first.  down unwinds all of it.
local core = require("nsl.core")
local plan = require("nsl.topo.plan")
local teardown = require("nsl.topo.teardown")
local record = require("nsl.record")
local lab = require("nsl.lab")

local M = {}

-- Topologies that are up, held here so that one nobody refers to any more
-- is not torn down by a garbage collection in the middle of the script:
-- it lives until down, or until the Lua state closes (exit, error,
-- signal), when its __gc takes it down.
local live = {}
local close
local order = 0
-- The record spans ({ from, to ], in + lines: core._record_mark) of the
-- topologies whose down could not remove everything: what is still
-- there of them is kept in the record at a good end (nsl.record.finish).
local resisted = {}

-- Undoes what up made, newest first; returns the reasons of what could
-- not be undone (objects already gone count as undone).
local function unwind_all(t)
  local errs = {}
  while #t.done > 0 do
    local s = table.remove(t.done)
    local ok, err = pcall(s.undo)
    local code = type(err) == "table" and err.errno
    local E = core.errno
    if not (ok or code == E.ENOENT or code == E.ENODEV or code == E.ESRCH) then
      errs[#errs + 1] = s.node .. ": undo " .. s.what .. ": " .. tostring(err)
    end
  end
  return errs
end

-- Shielded: when a signal is what stops up or closes the scope, the
-- rollback it starts is not cut short by the same signal.
local function unwind(t)
  return core._shield(unwind_all, t)
end

-- __close and __gc: one function, safe twice; a failure is said on
-- stderr and fails the run's exit status (nsl.record.teardown_failed).
function close(self)
  local ok, err = pcall(M.down, self)
  if not ok then record.teardown_failed("tearing down " .. tostring(self), err) end
end

-- t:up(): builds everything in dependency order.  On a failure, removes
-- what it made so far and raises "up: <node>: <step>: <reason>".
-- Raises when the topology is already up.  Returns t.
function M.up(self)
  if self.status ~= "down" then
    error("topology: already " .. self.status .. " (call down first)", 2)
  end
  self.status = "building"
  self.made_from = core._record_mark()
  order = order + 1
  self.order = order
  live[self] = true
  for _, s in ipairs(plan(self)) do
    -- A signal's error is raised when the primitive returns, after it
    -- made (and recorded) its object: a step that raised but recorded
    -- something made it, and is undone with the rest.
    local seq = core._record_seq()
    local ok, err = pcall(s.run)
    if not ok and s.undo and core._record_seq() > seq then self.done[#self.done + 1] = s end
    if ok then
      if s.undo then self.done[#self.done + 1] = s end
    else
      local errs = unwind(self)
      self.status = "down"
      live[self] = nil
      local reason = s.what .. ": " .. tostring(err)
      if #errs > 0 then reason = reason .. " (and rollback failed: " .. table.concat(errs, "; ") .. ")" end
      local e = type(err) == "table" and err.errno or nil
      core._fail("up", s.node, reason, e)
    end
  end
  self.status = "up"
  self.made_to = core._record_mark()
  lab.up(self) -- the lab file: nsl ls / show / exec find it
  -- lua_close runs finalizers newest first.  The primitives keep
  -- sentinels of their own (netlink sockets, process handles) made
  -- during up; a sentinel newer than those takes the topology down at
  -- exit while they still work.
  -- Only the current sentinel acts: one replaced by a later up (or left
  -- by a down) must not take down what is being built again.
  local sentinel = {}
  live[self] = setmetatable(sentinel, { __gc = function()
    if live[self] == sentinel then close(self) end
  end })
  return self
end

-- t:down(): removes everything up made, in reverse; safe to call when
-- down already.  Raises after trying everything if something resisted.
function M.down(self)
  if self.status == "down" then return self end
  local errs = core._shield(teardown.run, self)
  for _, path in ipairs(self.own_logs or {}) do -- log = true's files
    if pcall(core._unlink, path) then pcall(core._record_note, "-", "log", path) end
    core._rmdir(path:match("^(.*)/")) -- <run dir>/log, when it was the last
  end
  self.own_logs = nil
  self.status = "down"
  live[self] = nil
  lab.down(self)
  if #errs > 0 then
    resisted[#resisted + 1] = { self.made_from or 0, self.made_to or core._record_mark() }
    core._fail("down", self.prefix, table.concat(errs, "; "))
  end
  return self
end

-- Takes every topology that is up (or being built) down, newest first
-- (the end of a failed run, before its record is rolled back).
function M.close_all()
  local ts = {}
  for t in pairs(live) do ts[#ts + 1] = t end
  table.sort(ts, function(a, b) return (a.order or 0) > (b.order or 0) end)
  for _, t in ipairs(ts) do close(t) end
end

-- The record spans of the topologies whose down left something.
function M.resisted()
  return resisted
end

M.close = close
return M
