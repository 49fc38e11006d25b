-- nsl.topo.plan: the build plan of a topology, the steps that up runs
-- in order and that down undoes in reverse.
local core = require "nsl.core"
local record = require "nsl.record"
local netns = require "nsl.netns"
local uts = require "nsl.topo.uts"
local ready = require "nsl.topo.ready"

local function ns_opt(n) return n and n.real or nil end

-- The steps of up, in order: { node, what, run, undo, rec }.  rec is
-- written to the record before run; undo is kept once run succeeded.
local function plan(t)
  local m, steps = t.model, {}
  -- dad = false: IPv6 addresses are made usable at once (no duplicate
  -- address detection); otherwise up waits for DAD after the routes.
  -- Without DAD for the link-local addresses too (accept_dad = 0): a
  -- router whose link-local address is still tentative would ask for
  -- its neighbours from no address, and the first ping -6 through it
  -- would wait a second.
  local v6 = ready.v6_addresses(m)
  local nodad = not m.dad and #v6 > 0
  local function no_dad(ifname, ns)
    return function() core.sysctl("net/ipv6/conf/" .. ifname .. "/accept_dad", "0", { ns = ns }) end
  end
  local function step(nodename, what, run, undo, rec, pre)
    steps[#steps + 1] = { node = nodename, what = what, run = run, undo = undo, rec = rec, pre = pre }
  end
  -- Checked before an object is recorded: a name that is taken already
  -- must never enter the record, or nsl --clean could remove another's.
  local function free_ns(name)
    return function()
      if core.ns_exists(name) then core._fail("ns_add", name, "File exists", 17) end
    end
  end
  local function free_link(name)
    return function()
      local f = io.open("/sys/class/net/" .. name .. "/ifindex")
      if f then f:close(); core._fail("link_add", name, "File exists", 17) end
    end
  end
  for _, n in ipairs(m.namespaces) do
    local where = "namespace " .. n.name
    -- Where services ran, their children (nginx's workers) may outlive
    -- them and keep the namespace alive: sweep it before deleting.  (A
    -- scan of /proc, so only there.)
    local sweep = false
    for _, sv in ipairs(m.service_order) do if sv.ns == n then sweep = true end end
    step(where, "create", function() core.ns_add(n.real) end, function()
      if sweep then
        for _, pid in ipairs(record.pids_in(n.real)) do record.kill(pid, 9) end
      end
      core.ns_del(n.real)
    end, { "ns", n.real }, free_ns(n.real))
    if n.lo then
      step(where, "lo up", function() netns.set("lo", { up = true }, n.real) end)
    end
    if nodad then
      step(where, "no DAD", function()
        no_dad("all", n.real)()
        no_dad("default", n.real)()
      end)
    end
    if n.hostname then
      step(where, "hostname " .. n.hostname, function() uts.make(n) end,
        function() uts.remove(n) end, { "uts", uts.path(n) })
    end
    for _, key in ipairs((function()
      local ks = {}
      for k in pairs(n.sysctl) do ks[#ks + 1] = k end
      table.sort(ks)
      return ks
    end)()) do
      local v = n.sysctl[key]
      if type(v) == "boolean" then v = v and 1 or 0 end
      step(where, "sysctl " .. key, function() core.sysctl(key, tostring(v), { ns = n.real }) end)
    end
  end
  for _, b in ipairs(m.bridges) do
    local where = "bridge " .. b.name
    -- Links inside the topology's namespaces go with them; deleting them
    -- one by one would only cost a kernel synchronize_net each.
    step(where, "create", function() core.bridge_add(b.real, { ns = ns_opt(b.ns) }) end,
      not b.ns and function() core.link_del(b.real) end or nil,
      not b.ns and { "link", b.real, "" } or nil, not b.ns and free_link(b.real) or nil)
    if nodad and not b.ns then step(where, "no DAD", no_dad(b.real)) end
    if b.mtu then step(where, "mtu", function() netns.set(b.real, { mtu = b.mtu }, ns_opt(b.ns)) end) end
    for _, a in ipairs(b.addrs) do
      step(where, "address " .. a.text, function()
        core.addr_add(b.real, a.text, { ns = ns_opt(b.ns), nodad = nodad })
      end)
    end
    step(where, "up", function() netns.set(b.real, { up = true }, ns_opt(b.ns)) end)
  end
  for _, l in ipairs(m.links) do
    local where = "link " .. l.id
    local e1, e2 = l.ends[1], l.ends[2]
    -- The root-namespace end (if any) is the one to record and delete,
    -- and the one veth_add makes: a peer without peer_ns lands beside
    -- the first end, so the end in a namespace must be the peer.
    local rootend = (not e1.ns and e1) or (not e2.ns and e2) or nil
    if rootend == e2 then e1, e2 = e2, e1 end
    step(where, "create veth", function()
      core.veth_add(e1.real, e2.real, { ns = ns_opt(e1.ns), peer_ns = ns_opt(e2.ns), mtu = l.mtu })
    end, rootend and function() core.link_del(rootend.real) end or nil,
      rootend and { "link", rootend.real, "" } or nil, rootend and free_link(rootend.real) or nil)
    for _, e in ipairs(l.ends) do
      if nodad and not e.ns then step(where, "no DAD on " .. e.real, no_dad(e.real)) end
      if e.master then
        step(where, "attach " .. e.real .. " to " .. e.master.real, function()
          netns.set(e.real, { master = e.master.real }, ns_opt(e.ns))
        end)
      end
      for _, a in ipairs(e.addrs) do
        step(where, "address " .. a.text .. " on " .. e.node.name, function()
          core.addr_add(e.real, a.text, { ns = ns_opt(e.ns), nodad = nodad })
        end)
      end
      step(where, "up " .. e.real, function() netns.set(e.real, { up = true }, ns_opt(e.ns)) end)
    end
  end
  for _, n in ipairs(m.namespaces) do
    for _, r in ipairs(n.routes) do
      step("namespace " .. n.name, "route " .. r.dst .. (r.via and (" via " .. r.via) or ""), function()
        core.route_add(r.dst, { via = r.via, dev = r.dev, metric = r.metric, table = r.table,
                                src = r.src, family = r.family, ns = n.real })
      end)
    end
  end
  -- IPv6 addresses usable before up returns (or a service starts):
  -- links configured, and DAD over unless dad = false.
  if #v6 > 0 then
    step("addresses", m.dad and "IPv6 ready (DAD)" or "IPv6 ready", function() ready.addresses(v6, m.dad) end)
  end
  for _, s in ipairs(m.service_order) do
    local where = "service " .. s.name
    step(where, "start", function()
      local h = core.ns_exec(s.ns.real, uts.wrap(s.ns, s.cmd), { background = true, env = s.env, cwd = s.cwd })
      local p = { handle = h, pid = h.pid, start = h.pid and record.start_time(h.pid) }
      if p.start then record.add("proc", tostring(p.pid), p.start) end
      t.procs[s.name] = p
    end, function()
      local p = t.procs[s.name]
      if not p then return end
      netns.stop(p.handle, s.stop_timeout)
      if p.start then record.drop("proc", tostring(p.pid), p.start) end
      t.procs[s.name] = nil
    end)
    if s.ready ~= nil then
      step(where, "ready", function() ready.wait(t, s, t.procs[s.name].handle) end)
    end
  end
  return steps
end

return plan
