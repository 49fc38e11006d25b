-- nsl.topo.teardown: down, fast and complete.  Undoing up's steps one by
-- one, newest first, is correct but slow: each root-side veth deleted on
-- its own waits for a kernel synchronize_net (~20 ms), and each service
-- gets its own grace period.  Here:
--   1. every service gets SIGTERM at once, then one shared grace period,
--      then SIGKILL;
--   2. the namespaces go (with what ran inside), so the kernel removes
--      their links, and the root-side ends of veths whose peers were
--      inside, in one batch of its own;
--   3. everything else is undone newest first, as before;
--   4. down returns when the kernel has really removed those root-side
--      ends, and only then are they marked gone in the run's record (a
--      run killed meanwhile leaves them to nsl --clean).
-- A namespace that some process is still in (one the script started
-- there and left running) lives on after ns_del, and so do its veths:
-- those root-side ends are deleted one by one, as before.
local core = require("nsl.core")

local M = {}

-- How long down waits for the kernel to remove veth ends whose
-- namespaces went (cleanup_net runs asynchronously, in batches).
M.GONE_TIMEOUT = 60

local function gone_ok(err)
  local code = type(err) == "table" and err.code
  return code == "ENOENT" or code == "ENODEV" or code == "ESRCH"
end

-- Runs step s's undo (the primitives note in the record what they
-- remove); true on success or when its object was gone already.  Adds
-- the reason to errs otherwise.
local function undo(s, errs)
  local ok, err = pcall(s.undo)
  if ok or gone_ok(err) then return true end
  errs[#errs + 1] = s.node .. ": undo " .. s.what .. ": " .. tostring(err)
  return false
end

-- Stops every service of t at once: SIGTERM to all, one grace period (the
-- longest stop_timeout of them, default 2 s), SIGKILL to what is left.
local function stop_services(t, services)
  local grace = 0
  for _, s in ipairs(services) do
    local p = t.procs[s.service]
    if p and p.handle and p.handle:running() then
      pcall(p.handle.kill, p.handle, "TERM")
      grace = math.max(grace, s.grace or 2)
    end
  end
  local deadline = core.now() + grace
  for _, s in ipairs(services) do
    local p = t.procs[s.service]
    if p and p.handle and p.handle:running() then
      local left = deadline - core.now()
      if left > 0 then pcall(p.handle.wait, p.handle, left) end
      if p.handle:running() then pcall(p.handle.kill, p.handle, "KILL") end
    end
  end
end

-- Waits until none of the links named in `names` (root namespace) exists.
local function wait_gone(names, errs)
  local deadline = core.now() + M.GONE_TIMEOUT
  for _, s in ipairs(names) do
    while core.link_exists(s.link) do
      if core.now() > deadline then
        errs[#errs + 1] = s.node .. ": " .. s.link .. " still present " .. M.GONE_TIMEOUT ..
          " s after its namespace was deleted"
        return false
      end
      core.sleep(0.001)
    end
  end
  return true
end

-- Undoes every step in t.done (emptying it); returns the reasons of what
-- could not be undone.
function M.run(t)
  local errs, done = {}, t.done
  t.done = {}
  local services, namespaces, rest, with_ns = {}, {}, {}, {}
  for i = #done, 1, -1 do -- newest first
    local s = done[i]
    if s.kind == "service" then services[#services + 1] = s
    elseif s.kind == "ns" then namespaces[#namespaces + 1] = s
    elseif s.kind == "veth-gone-with-ns" then with_ns[#with_ns + 1] = s
    else rest[#rest + 1] = s end
  end
  stop_services(t, services)
  for _, s in ipairs(services) do undo(s, errs) end
  -- Objects that live inside a namespace (UTS binds, addresses) need no
  -- undo once it is gone; what is in the root namespace (bridges, veths
  -- between root and root) does.
  for _, s in ipairs(rest) do
    if s.undo ~= nil then undo(s, errs) end
  end
  -- Which namespaces will not go at once: some process is inside.
  local busy = {}
  if #with_ns > 0 then
    local names = {}
    for _, s in ipairs(namespaces) do
      if s.sweep then pcall(s.sweep) end -- what services left (workers)
      names[#names + 1] = s.ns
    end
    busy = core._netns_busy(names)
  end
  local failed = {}
  for _, s in ipairs(namespaces) do
    if not undo(s, errs) then failed[s.ns] = true end
  end
  local wait = {}
  for _, s in ipairs(with_ns) do
    if busy[s.peer_ns] or failed[s.peer_ns] then
      undo(s, errs) -- that namespace lives on: delete the veth itself
    else
      wait[#wait + 1] = s
    end
  end
  if wait_gone(wait, errs) then
    for _, s in ipairs(wait) do pcall(core._record_note, "-", "link", s.link, "") end
  end
  return errs
end

return M
