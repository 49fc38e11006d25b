-- nsl.topo.nat: reaching out and reaching in.
--
--   nat = true        on a bridge of the root namespace, or on a link to
--                     "host": that subnet is masqueraded when it leaves
--                     through the root namespace; its namespaces get a
--                     default route through it unless they describe one
--   publish = {...}   on a namespace or a service: { [8080] = 80 } sends
--                     TCP connections to port 8080 of the root namespace
--                     (from itself, 127.0.0.1 included, and from other
--                     namespaces) to port 80 of that namespace; [::1]:8080
--                     through a userland proxy;
--                     { proto = "udp", [5353] = 53 } for UDP
--   firewall = [[ ]]  on a namespace: nft commands applied there at up
--
-- The NAT and publish rules live in one nftables table of the topology's
-- own in the root namespace, `table inet nsl-<prefix>`: recorded (kind
-- "nft") before it is made, deleted by down, by rollback and by
-- nsl --clean, so the root namespace's own rules are never touched.
-- read() checks the description part (desc.check calls it last);
-- steps() adds the build steps (plan calls it before the services).
local core = require("nsl.core")
local ip = require("nsl.ip")
local record = require("nsl.record")
local keys = require("nsl.topo.keys")
local fail, sorted = keys.fail, keys.sorted

local M = {}

-- The table's name: "nsl-" and the prefix (its trailing dashes off), as
-- nft identifiers allow; a prefix with characters they do not allow gets
-- a short tag of the one written, so "x+" and "x_" never share a table.
-- Two prefixes that differ only in trailing dashes do share a name: the
-- second run's create then fails (EEXIST), and the first's table, marked
-- with its run (record.nft_owner), is never taken for the second's: the
-- step's undo deletes only a table carrying its own run's mark.
function M.table_name(prefix)
  local p = prefix:gsub("%-+$", "")
  local q = p:gsub("[^%w_.%-]", "_")
  local name = q == "" and "nsl" or "nsl-" .. q
  if q ~= p then
    local h = 2166136261 -- FNV-1a of the prefix as written
    for i = 1, #prefix do h = ((h ~ prefix:byte(i)) * 16777619) & 0xffffffff end
    name = name .. "-" .. string.format("%06x", h & 0xffffff)
  end
  return name
end


-- The nft commands of a firewall, checked against an empty ruleset
-- (nothing applied); a syntax error fails with libnftables' message.
-- Without the rights to make the throwaway namespace the check is left
-- to up.
local function check_firewall(text, where)
  if type(text) ~= "string" then fail("%s: firewall must be a string of nft commands", where) end
  local ok, err = pcall(core.nft, text, { check = true })
  if not ok and not (type(err) == "table" and err.code == "EPERM") then
    fail("%s: firewall: %s", where, type(err) == "table" and err.reason or tostring(err))
  end
end

-- The address of family f (4 or 6) of namespace n that the root
-- namespace reaches (on a link to host, or on a bridge of the root
-- namespace), and the root-side interface it is reached through.
local function reachable(n, f)
  for _, e in ipairs(n.ifaces) do
    for _, p in ipairs(e.addrs or {}) do
      if p.family == f then
        if e.peer.node.kind == "host" then return p, e.peer.real end
        local br = e.link.bridge
        if br and not br.ns and br.prefix then return p, br.real end
      end
    end
  end
end

-- The first address of each family of a list: { [4] = p, [6] = p }.
local function families(addrs)
  local out = {}
  for _, p in ipairs(addrs or {}) do out[p.family] = out[p.family] or p end
  return out
end

-- publish = { [outside] = inside, proto = "tcp" | "udp" } of node n
-- (where names it) into m.nat.publish; a port twice is an error.
local function read_publish(m, n, spec, where)
  if type(spec) ~= "table" then fail("%s: publish must be a table like { [8080] = 80 }", where) end
  local proto = spec.proto or "tcp"
  if proto ~= "tcp" and proto ~= "udp" then fail("%s: publish: proto must be \"tcp\" or \"udp\"", where) end
  local p4, out = reachable(n, 4)
  local p6, out6 = reachable(n, 6)
  if not p4 and not p6 then
    fail("%s: publish: %s has no IPv4 or IPv6 address the root namespace reaches (link it to host or to a bridge there)",
      where, n.name)
  end
  local ports = {}
  for k, v in pairs(spec) do
    if k ~= "proto" then
      if math.type(k) ~= "integer" or k < 1 or k > 65535 or math.type(v) ~= "integer" or v < 1 or v > 65535 then
        fail("%s: publish: expected [outside port] = inside port (1 to 65535), got [%s] = %s",
          where, tostring(k), tostring(v))
      end
      ports[#ports + 1] = k
    end
  end
  table.sort(ports)
  for _, port in ipairs(ports) do
    local key = proto .. "/" .. port
    local prev = m.nat.ports[key]
    if prev then fail("%s: publish: %s port %d is already published by %s", where, proto, port, prev) end
    m.nat.ports[key] = where
    m.nat.publish[#m.nat.publish + 1] = { proto = proto, port = port, to = spec[port],
      addr = p4 and ip.text(p4, false), addr6 = p6 and ip.text(p6, false), out = out or out6, where = where }
  end
  if out then m.nat.outs[out] = true end
  if out6 then m.nat.outs[out6] = true end
  if p6 then m.nat.v6 = true end
end

-- A default route for namespace n via gateway, unless it describes one
-- of the gateway's family.
local function default_route(n, gateway)
  local v6 = gateway:find(":", 1, true) ~= nil
  for _, r in ipairs(n.routes) do
    local rv6 = r.family == "inet6" or (r.family == nil and r.via ~= nil and r.via:find(":", 1, true) ~= nil)
    if r.dst == "default" and not r.table and rv6 == v6 then return end
  end
  n.routes[#n.routes + 1] = { dst = "default", via = gateway, gateway = "nat" }
end

-- read(m): the nat, publish and firewall keys of the checked model m.
function M.read(m)
  local nat = { table = M.table_name(m.prefix), subnets = {}, publish = {}, ports = {}, outs = {},
                firewalls = {} }
  m.nat = nat
  for _, name in ipairs(sorted(m.nodes)) do
    local b = m.nodes[name]
    if b.kind == "bridge" and b.spec.nat ~= nil and b.spec.nat ~= false then
      local where = "bridge " .. name
      if b.spec.nat ~= true then fail("%s: nat must be true or false", where) end
      if b.ns then
        fail("%s: nat = true, but the bridge is inside namespace %s: it has no route out through the root namespace",
          where, b.ns.name)
      end
      if not b.prefix then fail("%s: nat = true, but the bridge has no address: nothing routes out through it", where) end
      for f, p in pairs(families(b.addrs)) do
        nat.subnets[#nat.subnets + 1] = ip.network(p)
        if f == 6 then nat.v6 = true end
        for _, port in ipairs(b.ifaces) do
          local n = port.peer.node
          if n.kind == "ns" then default_route(n, ip.text(p, false)) end
        end
      end
    end
  end
  for _, l in ipairs(m.links) do
    if l.nat ~= nil and l.nat ~= false then
      local where = "link " .. l.id
      if l.nat ~= true then fail("%s: nat must be true or false", where) end
      local h, n
      for _, e in ipairs(l.ends) do
        if e.node.kind == "host" then h = e elseif e.node.kind == "ns" then n = e end
      end
      if not h or not n then fail("%s: nat = true is for a link between a namespace and \"host\"", where) end
      if not h.prefix or not n.prefix then
        fail("%s: nat = true, but the link has no addresses (give it a subnet): no route out", where)
      end
      for f, p in pairs(families(h.addrs)) do
        if families(n.addrs)[f] then
          nat.subnets[#nat.subnets + 1] = ip.network(p)
          if f == 6 then nat.v6 = true end
          default_route(n.node, ip.text(p, false))
        end
      end
    end
  end
  for _, name in ipairs(sorted(m.nodes)) do
    local n = m.nodes[name]
    if n.kind == "ns" then
      if n.spec.publish ~= nil then read_publish(m, n, n.spec.publish, "namespace " .. name) end
      if n.spec.firewall ~= nil then
        check_firewall(n.spec.firewall, "namespace " .. name)
        nat.firewalls[#nat.firewalls + 1] = { node = n, text = n.spec.firewall }
      end
    end
  end
  for _, name in ipairs(sorted(m.services)) do
    local s = m.services[name]
    if s.publish ~= nil then read_publish(m, s.ns, s.publish, "service " .. name) end
  end
end

-- The commands that make the topology's table in the root namespace.
function M.rules(m)
  local t, out = "inet " .. m.nat.table, {}
  local function add(fmt, ...) out[#out + 1] = string.format(fmt, ...) end
  -- create, not add: a table of that name (another run's) fails the batch
  add("create table %s { comment %q; }", t, record.nft_owner(record.self().id))
  add("add chain %s postrouting { type nat hook postrouting priority srcnat; policy accept; }", t)
  for _, s in ipairs(m.nat.subnets) do
    local fam = s:find(":", 1, true) and "ip6" or "ip"
    add("add rule %s postrouting %s saddr %s %s daddr != %s masquerade", t, fam, s, fam, s)
  end
  if #m.nat.publish > 0 then
    add("add chain %s prerouting { type nat hook prerouting priority dstnat; policy accept; }", t)
    add("add chain %s output { type nat hook output priority -100; policy accept; }", t)
    for _, p in ipairs(m.nat.publish) do
      for _, chain in ipairs({ "prerouting", "output" }) do
        if p.addr then
          add("add rule %s %s fib daddr type local %s dport %d dnat ip to %s:%d", t, chain,
            p.proto, p.port, p.addr, p.to)
        end
        -- not ::1: IPv6 has no route_localnet, a packet from ::1 never
        -- leaves lo, so a DNAT of it would only hang the connection; a
        -- proxy listens there instead (proxy_step)
        if p.addr6 then
          add("add rule %s %s ip6 daddr != ::1 fib daddr type local %s dport %d dnat ip6 to [%s]:%d", t, chain,
            p.proto, p.port, p.addr6, p.to)
        end
      end
    end
    -- A published connection leaves with the root namespace's address on
    -- that side as its source: replies find their way back whatever the
    -- namespace's routes, and 127.0.0.1 (with route_localnet) can go out.
    for _, o in ipairs(sorted(m.nat.outs)) do
      add("add rule %s postrouting oifname \"%s\" ct status dnat masquerade", t, o)
    end
  end
  return table.concat(out, "\n") .. "\n"
end

-- Does the root namespace hold an inet table of that name?
local function table_exists(name)
  local _, doc = core.nft_list()
  for _, o in ipairs(doc.nftables or {}) do
    if o.table and o.table.family == "inet" and o.table.name == name then return true end
  end
  return false
end

-- ip_forward is the root namespace's, shared by every topology of this
-- run: switched on by the first that needs it (if it was off), back off
-- when the last of them goes down (given back by the last nsl run that
-- relies on it: nsl.record.sysctl_hold; --clean after a SIGKILL too).
-- IPv6's forwarding (net.ipv6.conf.all.forwarding) likewise, for a
-- topology with IPv6 NAT or published IPv6 ports.
local forwards = {}

local function forward_on(key)
  local forward = forwards[key] or { users = 0 }
  forwards[key] = forward
  forward.users = forward.users + 1
  if forward.users == 1 then
    local ok, was = pcall(record.sysctl_hold, key, "1")
    if not ok then forward.users = 0; error(was, 0) end
    forward.was = was
  end
end

local function forward_off(key)
  local forward = forwards[key]
  if not forward or forward.users <= 0 then return end -- the hold itself failed
  forward.users = forward.users - 1
  if forward.users == 0 and forward.was then
    record.sysctl_release(key, "1", forward.was)
  end
end

-- steps(t, step): the build steps, after links and routes, before the
-- services.  step(node, what, run, undo) as in plan.
function M.steps(t, step)
  local m = t.model
  local nat = m.nat
  if not nat then return end
  for _, f in ipairs(nat.firewalls) do
    step("namespace " .. f.node.name, "firewall", function() core.nft(f.text, { ns = f.node.real }) end)
  end
  if #nat.subnets == 0 and #nat.publish == 0 then return end
  for _, o in ipairs(sorted(nat.outs)) do
    step("host", "route_localnet on " .. o, function()
      core.sysctl("net/ipv4/conf/" .. o .. "/route_localnet", "1")
    end)
  end
  step("host", "ip_forward", function() forward_on("net.ipv4.ip_forward") end,
    function() forward_off("net.ipv4.ip_forward") end)
  if nat.v6 then
    step("host", "ipv6 forwarding", function() forward_on("net.ipv6.conf.all.forwarding") end,
      function() forward_off("net.ipv6.conf.all.forwarding") end)
  end
  -- A table of that name already there is another's: refused, never
  -- recorded.  Ours is in the run's record before it is made, so a run
  -- killed now leaves it to nsl --clean.  Two runs may both find the
  -- name free: the second's create then fails, and the table there is
  -- the first's.  The undo (down, a rollback; also run for this step when
  -- its create raised, since it recorded something) deletes the table
  -- only when it carries this run's mark, by its handle.
  local self = record.self().id
  step("host", "nft table inet " .. nat.table, function()
    if table_exists(nat.table) then
      core._fail("nft", "inet " .. nat.table, "File exists", core.errno.EEXIST)
    end
    core._record_note("+", "nft", nat.table)
    local ok, err = pcall(core.nft, M.rules(m))
    -- a signal's error comes after the commit: then the table is ours,
    -- and stays in the record for the undo (or --clean)
    if not ok and record.nft_mine(nat.table, self) == false then
      core._record_note("-", "nft", nat.table)
    end
    if not ok then error(err, 0) end
  end, function()
    local did, err = record.nft_delete(nat.table, self)
    if did == nil then error(err, 0) end
    core._record_note("-", "nft", nat.table)
  end)
  for _, p in ipairs(nat.publish) do
    M.proxy_step(step, p)
  end
end

-- [::1]:port of a published port (TCP or UDP): IPv6 has no route_localnet, a
-- packet from ::1 never leaves lo, so no DNAT can send it on; a userland
-- proxy (core.proxy, a process of this run) connects out for it, to the
-- node's IPv6 address if it has one.  A host without ::1 (IPv6 off, lo
-- without it) is left without; a port already taken on ::1 fails up.
function M.proxy_ends(p)
  return "[::1]:" .. p.port, p.addr6 and "[" .. p.addr6 .. "]:" .. p.to or p.addr .. ":" .. p.to
end

function M.proxy_step(step, p)
  local listen, target = M.proxy_ends(p)
  local handle
  local what = p.proto == "udp" and "proxy udp " or "proxy "
  step("host", what .. listen .. " -> " .. target, function()
    local ok, h = pcall(core.proxy, listen, target, { proto = p.proto })
    if ok then handle = h; return end
    local code = type(h) == "table" and h.code
    if code ~= "EADDRNOTAVAIL" and code ~= "EAFNOSUPPORT" then error(h, 0) end
  end, function()
    if handle then handle:close(); handle = nil end
  end)
end

-- t:nft(node, commands): nft commands in one of its namespaces ("host":
-- the root namespace); returns what nft printed.
function M.method(t, name, cmds)
  if name == "host" then return core.nft(cmds) end
  local n = t.model.nodes[name]
  if not n or n.kind ~= "ns" then error("topology: " .. tostring(name) .. " is not a namespace", 2) end
  return core.nft(cmds, { ns = n.real })
end

-- Lines for t:report(): what the topology's table does.
function M.summary(m)
  local nat, out = m.nat, {}
  if not nat or (#nat.subnets == 0 and #nat.publish == 0) then return out end
  out[#out + 1] = "nftables table inet " .. nat.table
  for _, s in ipairs(nat.subnets) do out[#out + 1] = "  masquerade " .. s .. " going out" end
  for _, p in ipairs(nat.publish) do
    local to = {}
    if p.addr then to[#to + 1] = p.addr .. ":" .. p.to end
    if p.addr6 then to[#to + 1] = "[" .. p.addr6 .. "]:" .. p.to end
    out[#out + 1] = string.format("  publish %s %d -> %s (%s)", p.proto, p.port, table.concat(to, ", "), p.where)
    local listen, target = M.proxy_ends(p)
    out[#out + 1] = string.format("    and %s -> %s by a proxy process", listen, target)
  end
  return out
end

-- Adds t:nft and t:nft_table (the name of its table) to the topology
-- type.
function M.install(Topology)
  Topology.nft = M.method
  function Topology.nft_table(t) return t.model.nat.table end
end

return M
