-- nsl.netns: handles over the primitives.
--
--   local blue <close> = nsl.netns("blue")   -- creates it, owns it
--   blue:exec{ "ip", "addr" }                -- ns_exec("blue", ...)
--   local p = blue:spawn{ "sleep", "100" }   -- background, killed at close
--   local a, b = blue:veth("eth0", red, "eth0")   -- a pair between two
--   a:addr_add("10.0.0.1/24"); a:up()
--   blue:links(), blue:addrs(), blue:routes(), blue:sysctl(key [, value])
--
-- nsl.netns(name, { attach = true }) is a handle on a namespace that
-- exists already; it is not removed at close.  A handle made by
-- nsl.netns(name) removes its namespace (and kills what it spawned) at
-- __close, at __gc, or on h:del(): the same function, safe to call twice.
-- ns_add and ns_exec note what they make in the run's record themselves
-- (nsl.record), so nsl.clean() finds it if the run is killed.
local core = require("nsl.core")
local record = require("nsl.record")

local M = {}

-- Owned handles, held until deleted so a handle nobody refers to is not
-- collected (and its namespace removed) mid-script; the state's close
-- still finalizes them.
local live = {}

local function opt(t, ns)
  t = t or {}
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  c.ns = ns
  return c
end

-- link_set on a link in namespace ns (nil: the root one); link_set takes
-- the namespace among its options, like every other primitive.
function M.set(name, attrs, ns)
  local a = {}
  for k, v in pairs(attrs) do a[k] = v end
  a.ns = ns
  return core.link_set(name, a)
end

-- A link inside a namespace (ns = nil: the root namespace).
local Link = { __name = "nsl.link" }
Link.__index = Link

function M.link(name, ns)
  return setmetatable({ name = name, ns = ns }, Link)
end

function Link.__tostring(l)
  return "<link " .. l.name .. (l.ns and (" in " .. l.ns) or "") .. ">"
end

function Link:set(opts) return M.set(self.name, opts, self.ns) end
function Link:up() return M.set(self.name, { up = true }, self.ns) end
function Link:down() return M.set(self.name, { up = false }, self.ns) end
function Link:info() return core.link_get(self.name, { ns = self.ns }) end
function Link:addr_add(cidr, opts) return core.addr_add(self.name, cidr, opt(opts, self.ns)) end
function Link:addr_del(cidr) return core.addr_del(self.name, cidr, { ns = self.ns }) end
function Link:del() return core.link_del(self.name, { ns = self.ns }) end
function Link:addr_set(cidr, opts) return core.addr_set(self.name, cidr, opt(opts, self.ns)) end
function Link:addr_flush(opts) return core.addr_flush(self.name, opt(opts, self.ns)) end
function Link:wait(opts) return core.link_wait(self.name, opt(opts, self.ns)) end

-- The addresses of this link (records of addr_list whose link is it).
function Link:addrs()
  local out = {}
  for _, a in ipairs(core.addr_list({ ns = self.ns })) do
    if a.dev == self.name then out[#out + 1] = a end
  end
  return out
end

-- link:move(target): moves it to another namespace (a handle, a name, or
-- a pid); returns the handle of the link there.
function Link:move(target)
  local tname = type(target) == "table" and target.name or target
  core.link_set_ns(self.name, tname, { ns = self.ns })
  return M.link(self.name, type(tname) == "string" and tname or nil)
end

local Netns = { __name = "nsl.netns" }
Netns.__index = Netns

function Netns.__tostring(n)
  return "<netns " .. n.name .. (n.owned and "" or " (attached)")
    .. (n.closed and " (deleted)" or "") .. ">"
end

-- A failure of a call made for nsl.netns, raised again naming nsl.netns
-- (the call the user made); a signal's error passes as it is.
local function refail(name, err)
  if type(err) == "table" and err.reason then
    core._fail("nsl.netns", name, err.reason, err.errno)
  end
  error(err, 0)
end

local order = 0
local resisted = {} -- see M.resisted

-- nsl.netns(name [, {attach = true, lo = false}]): creates the namespace
-- (lo brought up unless lo = false) or, with attach, refers to one.  The
-- handle owns the namespace only once ns_add made it: a name that is
-- taken fails and is left alone (ns_add's create is exclusive).
function M.new(name, opts)
  if type(name) ~= "string" then
    core._fail("nsl.netns", tostring(name), "the name must be a string, not a " .. type(name), core.errno.EINVAL)
  end
  if opts ~= nil and type(opts) ~= "table" then
    core._fail("nsl.netns", name, "options must be a table, not a " .. type(opts), core.errno.EINVAL)
  end
  opts = opts or {}
  local self = setmetatable({ name = name, owned = false, procs = {} }, Netns)
  if not opts.attach then
    self.made = core._record_mark()
    local ok, err = pcall(core.ns_add, name)
    if not ok then refail(name, err) end
    self.owned = true
    order = order + 1
    self.order = order
    live[self] = true
    if opts.lo ~= false then
      local ok2, err2 = pcall(M.set, "lo", { up = true }, name)
      if not ok2 then core._shield(Netns.del, self); refail(name, err2) end
    end
    -- Newer than the primitives' own exit sentinels (made by the calls
    -- above), so at lua_close it runs while they still work.
    local sentinel = {}
    live[self] = setmetatable(sentinel, { __gc = function()
      if live[self] == sentinel then pcall(M.Netns.del, self) end
    end })
  end
  return self
end

function Netns:exec(cmd, opts)
  return core.ns_exec(self.name, cmd, opts)
end

-- ns:spawn(cmd [, opts]): ns_exec in the background (which records the
-- process); it is stopped when the handle closes.
function Netns:spawn(cmd, opts)
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  o.background = true
  local h = core.ns_exec(self.name, cmd, o)
  self.procs[#self.procs + 1] = h
  self.spawned = true
  return h
end

function Netns:link(name) return M.link(name, self.name) end
function Netns:links() return core.link_list({ ns = self.name }) end
function Netns:addrs() return core.addr_list({ ns = self.name }) end
function Netns:routes() return core.route_list({ ns = self.name }) end
function Netns:addr_add(link, cidr, opts) return core.addr_add(link, cidr, opt(opts, self.name)) end
function Netns:addr_del(link, cidr) return core.addr_del(link, cidr, { ns = self.name }) end
function Netns:route_add(dst, opts) return core.route_add(dst, opt(opts, self.name)) end
function Netns:route_del(dst, opts) return core.route_del(dst, opt(opts, self.name)) end
function Netns:route_get(dst, opts) return core.route_get(dst, opt(opts, self.name)) end
function Netns:route_flush(opts) return core.route_flush(opt(opts, self.name)) end
function Netns:addr_set(link, cidr, opts) return core.addr_set(link, cidr, opt(opts, self.name)) end
function Netns:addr_flush(link, opts) return core.addr_flush(link, opt(opts, self.name)) end
function Netns:link_wait(link, opts) return core.link_wait(link, opt(opts, self.name)) end
function Netns:rules() return core.rule_list({ ns = self.name }) end
function Netns:rule_add(opts) return core.rule_add(opt(opts, self.name)) end
function Netns:rule_del(opts) return core.rule_del(opt(opts, self.name)) end
function Netns:neighs() return core.neigh_list({ ns = self.name }) end
function Netns:neigh_add(addr, opts) return core.neigh_add(addr, opt(opts, self.name)) end
function Netns:neigh_del(addr, opts) return core.neigh_del(addr, opt(opts, self.name)) end
function Netns:sysctl(key, value) return core.sysctl(key, value, { ns = self.name }) end
function Netns:exists() return core.ns_exists(self.name) end

-- ns:veth(name, peer_ns, peer_name [, opts]): a veth pair with one end
-- here and the other in peer_ns (a handle, a name, or nil for the root
-- namespace); returns the two link handles.
function Netns:veth(name, peer_ns, peer_name, opts)
  local pns = type(peer_ns) == "table" and peer_ns.name or peer_ns
  if pns == nil then
    -- veth_add puts a peer without peer_ns beside the first end: make
    -- the root end first, with this namespace as the peer's.
    local o = opt(opts, nil)
    o.peer_ns = self.name
    core.veth_add(peer_name, name, o)
  else
    local o = opt(opts, self.name)
    o.peer_ns = pns
    core.veth_add(name, peer_name, o)
  end
  return M.link(name, self.name), M.link(peer_name, pns)
end

-- Is the process of handle h still running?  (The handle's own answer.)
function M.running(h)
  local ok, r = pcall(h.running, h)
  return ok and r and true or false
end

-- Stops a process handle: the handle's own stop (SIGTERM, its grace,
-- SIGKILL, reap).
function M.stop(h)
  if h and h.close then h:close() end
end

-- Removes the namespace (owned handles only) after stopping what was
-- spawned in it; __close and __gc.  Safe to call twice.
function Netns:del()
  if self.closed then return end
  self.closed = true
  for i = #self.procs, 1, -1 do M.stop(self.procs[i]) end
  self.procs = {}
  if not self.owned then return end
  live[self] = nil
  if self.spawned then -- what the spawned processes left running
    for _, pid in ipairs(core._netns_pids(self.name)) do
      pcall(core._kill, pid, core.signals.KILL)
    end
  end
  local ok, err = pcall(core.ns_del, self.name)
  if not ok and not (type(err) == "table" and err.errno == core.errno.ENOENT) then
    resisted[#resisted + 1] = { self.made or 0, (self.made or 0) + 1 }
    error(err, 2)
  end
end
Netns.close = Netns.del

-- __close and __gc: one function; a failure is never an error in the
-- middle of unwinding: it is said on stderr and fails the run's exit
-- status (nsl.record.teardown_failed).
local function close(self)
  -- Shielded: when Ctrl-C or SIGTERM is what closes the scope, the same
  -- signal must not cut the teardown short at its first wait.
  local ok, err = pcall(core._shield, Netns.del, self)
  if not ok then record.teardown_failed("closing netns " .. tostring(self.name), err) end
end
Netns.__close, Netns.__gc = close, close

-- Deletes every owned handle still open, newest first (the end of a
-- failed run, before its record is rolled back).
function M.close_all()
  local hs = {}
  for h in pairs(live) do hs[#hs + 1] = h end
  table.sort(hs, function(a, b) return a.order > b.order end)
  for _, h in ipairs(hs) do close(h) end
end

-- The record spans of the handles whose namespace could not be removed.
function M.resisted()
  return resisted
end

M.Netns, M.Link = Netns, Link
return M
