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
-- Every namespace it makes is noted in the run's record (nsl.record), so
-- nsl.clean() finds it if the run is killed.
local core = require "nsl.core"
local record = require "nsl.record"

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

-- The addresses of this link (records of addr_list whose link is it).
function Link:addrs()
  local out = {}
  for _, a in ipairs(core.addr_list({ ns = self.ns })) do
    if (a.link or a.dev or a.name) == self.name then out[#out + 1] = a end
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

-- nsl.netns(name [, {attach = true, lo = false}]): creates the namespace
-- (lo brought up unless lo = false) or, with attach, refers to one.
function M.new(name, opts)
  assert(type(name) == "string", "bad argument #1 to 'netns' (string expected)")
  opts = opts or {}
  local self = setmetatable({ name = name, owned = not opts.attach, procs = {} }, Netns)
  if self.owned then
    if core.ns_exists(name) then core._fail("ns_add", name, "File exists", 17) end
    record.add("ns", name)
    local ok, err = pcall(core.ns_add, name)
    if not ok then
      record.drop("ns", name)
      error(err, 2)
    end
    record.made("ns", name)
    live[self] = true
    if opts.lo ~= false then
      local ok2, err2 = pcall(M.set, "lo", { up = true }, name)
      if not ok2 then self:del(); error(err2, 2) end
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

-- ns:spawn(cmd [, opts]): ns_exec in the background; the process is
-- recorded and killed when the handle closes.
function Netns:spawn(cmd, opts)
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  o.background = true
  local h = core.ns_exec(self.name, cmd, o)
  local pid = h.pid
  local start = pid and record.start_time(pid)
  if start then record.add("proc", tostring(pid), start) end
  self.procs[#self.procs + 1] = { handle = h, pid = pid, start = start }
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

-- Is the process of handle h still running?  Asks the handle, else /proc
-- (a zombie counts as ended).
local function is_running(h)
  if h.running then
    local ok, r = pcall(h.running, h)
    if ok then return r and true or false end
  end
  if not h.pid then return false end
  local f = io.open("/proc/" .. h.pid .. "/stat", "r")
  if not f then return false end
  local st = f:read("a"):match("%) (%a)")
  f:close()
  return st ~= "Z"
end
M.running = is_running

-- Sends a signal through the handle (by name, else by number), else kill(1).
local function signal(h, name, num)
  if h.kill and (pcall(h.kill, h, name) or pcall(h.kill, h, num)) then return end
  if h.pid then record.kill(h.pid, num) end
end

-- Stops a process handle: SIGTERM, up to `grace` seconds (default 2),
-- then SIGKILL; reaps it.
function M.stop(h, grace)
  if not h then return end
  if is_running(h) then
    signal(h, "TERM", 15)
    local deadline = core.now() + (grace or 2)
    while is_running(h) and core.now() < deadline do core.sleep(0.02) end
    if is_running(h) then signal(h, "KILL", 9) end
  end
  if h.wait then pcall(h.wait, h) end
end

-- Removes the namespace (owned handles only) after stopping what was
-- spawned in it; __close and __gc.  Safe to call twice.
function Netns:del()
  if self.closed then return end
  self.closed = true
  for i = #self.procs, 1, -1 do
    local p = self.procs[i]
    M.stop(p.handle)
    if p.start then record.drop("proc", tostring(p.pid), p.start) end
  end
  self.procs = {}
  if not self.owned then return end
  live[self] = nil
  if self.spawned then -- what the spawned processes left running
    for _, pid in ipairs(record.pids_in(self.name)) do record.kill(pid, 9) end
  end
  local ok, err = pcall(core.ns_del, self.name)
  if ok or (type(err) == "table" and err.code == "ENOENT") then
    record.drop("ns", self.name)
  else
    error(err, 2)
  end
end
Netns.close = Netns.del

-- __close and __gc: one function; a failure is a warning, never an error
-- in the middle of unwinding.
local function close(self)
  -- Shielded: when Ctrl-C or SIGTERM is what closes the scope, the same
  -- signal must not cut the teardown short at its first wait.
  local ok, err = pcall(core._shield, Netns.del, self)
  if not ok then warn("nsl: closing ", tostring(self), ": ", tostring(err)) end
end
Netns.__close, Netns.__gc = close, close

M.Netns, M.Link = Netns, Link
return M
