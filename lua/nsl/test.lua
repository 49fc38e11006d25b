-- nsl.test: the harness for testing networked software with busted
-- under nsl (`busted --lua=nsl`).
--
--   local nt = require "nsl.test"
--   describe("my proxy", function()
--     local w = nt.world { namespaces = ..., links = ..., services = ... }
--     it("answers", function()
--       nt.eventually(function() return nt.listening(w, "proxy", 80) end)
--       assert.reaches(w, "client", "proxy")
--     end)
--   end)
--
-- A world registers busted hooks that bring a fresh topology up before
-- each test (or once for the file) and take it down after; services log
-- to files of the test, captures record packets, and a failing test
-- leaves its artifacts (nsl.test.artifacts).  doc/testing.md is the
-- user's guide.
local core = require("nsl.core")
local topo = require("nsl.topo")
local desc = require("nsl.topo.desc")
local record = require("nsl.record")
local ready = require("nsl.topo.ready")
local bus = require("nsl.test.bus")
local artifacts = require("nsl.test.artifacts")
local assertions = require("nsl.test.assertions")

local M = {}

local HOWTO = "run the suite as root (sudo busted --lua=nsl)"

-- Can this process build namespaces?  true, or false and the reason.
-- CAP_NET_ADMIN (12) and CAP_SYS_ADMIN (21) in the effective set.
function M.privileged()
  local f = io.open("/proc/self/status", "r")
  local caps = f and f:read("a"):match("CapEff:%s*(%x+)")
  if f then f:close() end
  local n = caps and tonumber(caps, 16) or 0
  if n & (1 << 12) ~= 0 and n & (1 << 21) ~= 0 then return true end
  return false, "nsl.test: building a world needs CAP_SYS_ADMIN and CAP_NET_ADMIN; " .. HOWTO
end

local World = {}
local world_n = 0

-- A prefix unique to this process (pid and start time) and this world's
-- test: concurrent busted processes never share a name.
local function new_prefix()
  world_n = world_n + 1
  return "w" .. desc.hash36(record.self().id .. "/" .. world_n, 5) .. "-"
end

-- The live topology; pending (the reason and how to run it) outside the
-- privileges a world needs, an error when it is not up.
function World:topology()
  if self.skip then bus.pending(self.skip) end
  local t = rawget(self, "t")
  if not t or t.status ~= "up" then
    error("nsl.test: the world is not up here (use it inside the tests of its describe)", 3)
  end
  return t
end

-- w:exec(node, cmd [, opts]): t:exec with capture on by default; a
-- command that fails is kept for the artifacts.
function World:exec(node, cmd, opts)
  local t = self:topology()
  opts = opts or {}
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  if o.capture == nil and not o.background then o.capture = true end
  local r = t:exec(node, cmd, o)
  if type(r) == "table" and r.ok == false then
    local list = self.failed_cmds
    list[#list + 1] = { node = node, cmd = cmd, result = r }
    if #list > 20 then table.remove(list, 1) end
  end
  return r
end

-- w:logs(service): what the service wrote to stdout and stderr so far.
function World:logs(service)
  local t = self:topology()
  if not t.model.services[service] then
    error("nsl.test: no service named " .. tostring(service), 2)
  end
  local path = t.logfiles[service]
  local f = path and io.open(path, "rb")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

-- w:file(name, text): writes a file (a configuration, a page) in the
-- world's private folder, removed after the test; returns its path.
-- name may hold "/" (folders are made).  Usable in a description
-- function, before the world is up.
function World:file(name, text)
  if self.skip then bus.pending(self.skip) end
  if not self.dir then error("nsl.test: w:file: the world has no folder here (use it in a test)", 2) end
  if type(name) ~= "string" or name == "" or name:find("%.%.") or name:sub(1, 1) == "/" then
    error("nsl.test: w:file: " .. tostring(name) .. ": a relative name without '..' expected", 2)
  end
  local path = self.dir .. "/" .. name
  local parent = path:match("^(.*)/[^/]*$")
  core._mkdir(parent)
  local f = assert(io.open(path, "wb"))
  f:write(text or "")
  f:close()
  return path
end

-- w:log_path(service): the file a service logs to.
function World:log_path(service)
  return self:topology().logfiles[service]
end

-- w:capture(node, ifname [, {filter = "tcp port 80", snaplen = 96}]) or
-- w:capture("node:ifname" [, opts]): records packets on node's
-- interface to a pcap file until the end of the test (the capture
-- primitive, open when it returns: no packet after this call is
-- missed); returns the file's path.
function World:capture(node, ifname, opts)
  local t = self:topology()
  if type(ifname) ~= "string" and opts == nil and type(node) == "string" and node:find(":", 1, true) then
    opts = ifname -- w:capture("node:ifname" [, opts])
    node, ifname = topo.split(node)
  end
  opts = opts or {}
  local real = t:link_name(node, ifname)
  local n = t.model.nodes[node] or (node == "host" and t.model.host)
  local file = string.format("%s/%s-%s.pcap", self.dir, node, ifname or real)
  local ns
  if n and n.kind == "ns" then ns = n.real else ns = n and n.ns and n.ns.real end
  -- the primitive checks the rest of opts (filter, snaplen, unknown keys)
  local o = {}
  for k, v in pairs(opts) do
    if k == "ns" or k == "file" then
      error("nsl.test: capture on " .. node .. " " .. tostring(ifname) .. ": option '" .. k ..
        "' is the world's (the node names the namespace; the file is returned)", 2)
    end
    o[k] = v
  end
  o.ns, o.file = ns, file
  local ok, h = pcall(core.capture, real, o)
  if not ok then
    error(string.format("nsl.test: capture on %s %s: %s", node, tostring(ifname), tostring(h)), 2)
  end
  self.captures[#self.captures + 1] = { handle = h, file = file, node = node, ifname = ifname }
  return file
end

-- w:capture_all([opts]): a capture on one end of every link (the end in
-- a namespace); returns the files.
function World:capture_all(opts)
  local t = self:topology()
  local files = {}
  for _, l in ipairs(t.model.links) do
    local e = l.ends[1].ns and l.ends[1] or l.ends[2]
    files[#files + 1] = self:capture(e.node.name, e.name, opts)
  end
  return files
end

-- Stops the captures (each has flushed every packet; SIGTERM closes the
-- file) and waits.
function World:stop_captures()
  for _, c in ipairs(self.captures) do
    pcall(c.handle.kill, c.handle, "TERM")
    pcall(c.handle.wait, c.handle, 5)
    pcall(c.handle.close, c.handle)
  end
end

-- An error a method raises names the user's line (the innermost frame
-- outside the library, busted and luassert), not a line of the library
-- that passed the call on: a message positioned in the library, or not
-- positioned at all, gets that place instead.
local function at_user(e)
  if type(e) ~= "string" then return e end
  local where = bus.user_where(2)
  if not where then return e end
  local src, rest = e:match("^([^\n]-):%d+: (.*)$")
  if src and bus.library("@" .. src) then return where .. ": " .. rest end
  if not src then return where .. ": " .. e end
  return e
end

local function relocated(f)
  return function(...)
    local r = table.pack(xpcall(f, at_user, ...))
    if not r[1] then error(r[2], 0) end
    return table.unpack(r, 2, r.n)
  end
end

-- Everything else is the topology's: w:addr, w:name, w:service, w:show...
local Topology = getmetatable(topo.new({}, { prefix = "" }))
local delegated = {}
World.__index = function(_, k)
  local m = World[k]
  if m ~= nil then return m end
  if type(k) ~= "string" or k:sub(1, 2) == "__" or type(Topology[k]) ~= "function" then return nil end
  delegated[k] = delegated[k] or relocated(function(self, ...)
    local t = self:topology()
    return t[k](t, ...)
  end)
  return delegated[k]
end
for k, f in pairs(World) do
  if type(f) == "function" and k:sub(1, 2) ~= "__" then World[k] = relocated(f) end
end
World.__name = "nsl.test.world"
function World.__tostring(w)
  local t = rawget(w, "t")
  return "<world " .. (t and tostring(t) or "down") .. ">"
end

-- Brings the world up for one test (or the file).
local function up(w)
  w.failed_cmds, w.captures = {}, {}
  local allowed, why = M.privileged()
  if not allowed then w.skip = why return end
  w.dir = artifacts.tmpdir(w.prefix)
  local d = w.description
  if type(d) == "function" then d = d(w) end
  local ok, err = pcall(function()
    local t = topo.new(d, { prefix = w.prefix, logdir = w.dir })
    w.t = t
    t:up()
  end)
  if not ok then
    -- Raised in a busted hook: name the line of the spec that made the world.
    local t = rawget(w, "t")
    w.logfiles = t and t.logfiles
    w.t = nil
    error((w.where and (w.where .. ": ") or "") .. tostring(err), 0)
  end
end

local function down(w)
  w:stop_captures()
  local t = rawget(w, "t")
  w.t = nil
  if t then
    w.logfiles = t.logfiles
    t:down()
  end
end

-- nt.world(description [, {scope = "test"|"file"}]): inside a describe,
-- registers the hooks that build the world (a topology description, or
-- a function returning one, called each time) and returns it.  The
-- description is checked here, so its mistakes name this line.
function M.world(description, opts)
  opts = opts or {}
  local scope = opts.scope or "test"
  if scope ~= "test" and scope ~= "file" then
    error("nsl.test: world: scope must be \"test\" or \"file\", not " .. tostring(scope), 2)
  end
  if type(description) == "table" then
    local ok, err = pcall(desc.check, description, "")
    if not ok then error(tostring(err), 2) end
  elseif type(description) ~= "function" then
    error("nsl.test: world: expected a topology description (a table or a function)", 2)
  end
  local b = bus.api()
  local w = setmetatable({ description = description, scope = scope, failed_cmds = {},
                           captures = {}, where = bus.user_where(1) }, World)
  bus.track(w)
  local function fresh() w.prefix = new_prefix() end
  if scope == "file" then
    b.setup(function() fresh() up(w) end)
    b.teardown(function() down(w) artifacts.cleanup(w) end)
  end
  b.before_each(function()
    bus.begin(w)
    if scope == "test" then fresh() up(w) end
  end)
  b.after_each(function()
    local failed = bus.finish(w)
    if scope == "test" then w:stop_captures() end
    if failed then artifacts.save(w, failed) end
    if scope == "test" then down(w) artifacts.cleanup(w) end
  end)
  return w
end

-- nt.eventually(fn [, {timeout = 5, interval = 0.1}]): calls fn until it
-- returns a truthy value without raising, and returns what it returned;
-- otherwise raises the last failure (an error it raised, or the second
-- value it returned) with how long it waited.  The first retries come
-- after 1 ms, backing off to `interval`.
function M.eventually(fn, opts)
  opts = opts or {}
  local timeout, interval = opts.timeout or 5, opts.interval or 0.1
  local start = core.now()
  local step, tries = 0.001, 0
  local last
  while true do
    tries = tries + 1
    local res = table.pack(pcall(fn))
    local ok, r, why = res[1], res[2], res[3]
    if ok and r then return table.unpack(res, 2, res.n) end
    if ok then last = why or ("returned " .. tostring(r)) else last = r end
    local waited = core.now() - start
    if waited >= timeout then
      local head = string.format("eventually: still failing after %.2fs (%d tries): ", waited, tries)
      if type(last) == "table" and last.message ~= nil then
        last.message = head .. tostring(last.message)
        error(last, 0)
      end
      bus.fail(head .. tostring(last), 2)
    end
    core.sleep(math.min(step, timeout - waited))
    step = math.min(step * 2, interval)
  end
end

-- Conditions: each checks once and returns true, or false and what it
-- saw; use them in nt.eventually(function() return nt.listening(...) end).

-- nt.listening(w, node, port [, proto]): a TCP listener (or a bound UDP
-- socket) on port in node, as the kernel reports it (sock_diag).
function M.listening(w, node, port, proto)
  local t = w:topology()
  local ns = t:name(node)
  if ready.listening(ns, port, proto) then return true end
  local seen = {}
  for _, s in ipairs(core.sock_list({ ns = ns, proto = proto or "tcp", state = "listen" })) do
    seen[#seen + 1] = s["local"] .. ":" .. s.port
  end
  return false, string.format("nothing listens on %s port %d in %s (listening: %s)", proto or "tcp",
    port, node, #seen > 0 and table.concat(seen, ", ") or "none")
end

-- The address of b that a reaches it at: of the family when given.
local function target(t, a, b, family)
  if family then
    for _, x in ipairs(core.addr_list({ ns = t:name(b) })) do
      if x.family == family and x.dev ~= "lo" and x.scope ~= "link" and x.scope ~= "host" then
        return x.address
      end
    end
    return nil
  end
  return t:addr(b, a) or t:addr(b)
end

-- nt.reachable(w, a, b [, family]): one ping from node a to node b (its
-- address towards a, or of family "inet"/"inet6") answers.
function M.reachable(w, a, b, family)
  local t = w:topology()
  local addr = target(t, a, b, family)
  if not addr then return false, string.format("%s has no %saddress", b, family and (family .. " ") or "") end
  local cmd = { "ping", "-c1", "-W1", "-n", addr }
  local r = w:exec(a, cmd, { timeout = 5 })
  if r.ok then return true, addr end
  local out = ((r.stdout or "") .. (r.stderr or "")):gsub("%s+$", "")
  return false, string.format("%s -> %s (%s): ping %s\n%s", a, b, addr,
    r.code and ("exited " .. r.code) or "timed out", out)
end

-- nt.log_matches(w, service, pattern): the service's log matches the Lua
-- pattern.
function M.log_matches(w, service, pattern)
  local log = w:logs(service)
  if log:find(pattern) then return true end
  return false, string.format("the log of %s does not match %q; its end:\n%s", service, pattern,
    log:sub(-800))
end

-- nt.file_exists(w, node, path): the file exists as node's processes
-- see it (ns_exec's view: /etc/netns files in place).
function M.file_exists(w, node, path)
  local r = w:topology():exec(node, { "test", "-e", path }, { capture = true })
  if r.ok then return true end
  return false, path .. " does not exist in " .. node
end

-- nt.json_subset(actual, subset): true when actual holds every key of
-- subset with an equal value (recursively: tables are compared as
-- subsets, arrays element by element); else false, the path of the
-- first difference ("$.a[2].b"), what is there and what was wanted.
function M.json_subset(actual, subset, path)
  path = path or "$"
  if type(subset) ~= "table" then
    if actual == subset then return true end
    return false, path, actual, subset
  end
  if type(actual) ~= "table" then return false, path, actual, subset end
  if #subset > 0 and #actual < #subset then
    return false, path .. " (length)", #actual, #subset
  end
  for k, v in pairs(subset) do
    local p = math.type(k) == "integer" and (path .. "[" .. k .. "]") or (path .. "." .. tostring(k))
    local ok, where, seen, want = M.json_subset(actual[k], v, p)
    if not ok then return false, where, seen, want end
  end
  return true
end

assertions(M)

return M
