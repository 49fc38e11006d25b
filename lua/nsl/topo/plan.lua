-- nsl.topo.plan: the build plan of a topology, the steps that up runs
-- in order and that down undoes in reverse.
local core = require("nsl.core")
local netns = require("nsl.netns")
local svc = require("nsl.topo.svc")
local ready = require("nsl.topo.ready")
local kinds = require("nsl.topo.kinds")
local features = require("nsl.topo.features")

local function ns_opt(n) return n and n.real or nil end

-- The steps of up, in order: { node, what, run, undo, kind }; undo is
-- kept once run succeeded.  The primitives record what they make
-- themselves, and make it exclusively (a name that is taken fails, made
-- nothing).  kind tells down (nsl.topo.teardown) what a step made: "ns",
-- "service", or "veth-gone-with-ns" for a root-side veth end whose peer
-- is inside one of the topology's namespaces (the kernel removes it with
-- them).
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
  -- ipv6 = false: the links come up without IPv6 link-local addresses
  local genmode = m.no_ipv6 and "none" or nil
  local function step(nodename, what, run, undo)
    local s = { node = nodename, what = what, run = run, undo = undo }
    steps[#steps + 1] = s
    return s
  end
  for _, n in ipairs(m.namespaces) do
    local where = "namespace " .. n.name
    -- Where services ran, their children (nginx's workers) may outlive
    -- them and keep the namespace alive: sweep it before deleting.  (A
    -- scan of /proc, so only there.)
    local sweep = false
    for _, sv in ipairs(m.service_order) do if sv.ns == n then sweep = true end end
    local function sweep_now()
      for _, pid in ipairs(core._netns_pids(n.real)) do
        pcall(core._kill, pid, core.signals.KILL)
      end
    end
    local s = step(where, "create", function() core.ns_add(n.real) end, function()
      if sweep then sweep_now() end
      core.ns_del(n.real)
    end)
    s.kind, s.ns, s.sweep = "ns", n.real, sweep and sweep_now or nil
    if n.lo then
      step(where, "lo up", function() netns.set("lo", { up = true }, n.real) end)
    end
    if nodad then
      step(where, "no DAD", function()
        no_dad("all", n.real)()
        no_dad("default", n.real)()
      end)
    end
    features.each("ns_steps", n, step, where)
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
    step(where, "create", function()
      core.bridge_add(b.real, { ns = ns_opt(b.ns), vlan_filtering = b.vlan_filtering, stp = b.stp })
    end, not b.ns and function() core.link_del(b.real) end or nil)
    features.each("dev_steps", function(what, run) step(where, what, run) end, b.real, b, ns_opt(b.ns), true)
    if nodad and not b.ns then step(where, "no DAD", no_dad(b.real)) end
    if b.mtu then step(where, "mtu", function() netns.set(b.real, { mtu = b.mtu }, ns_opt(b.ns)) end) end
    for _, a in ipairs(b.addrs) do
      step(where, "address " .. a.text, function()
        core.addr_add(b.real, a.text, { ns = ns_opt(b.ns), nodad = nodad })
      end)
    end
    step(where, "up", function() netns.set(b.real, { up = true, addrgenmode = genmode }, ns_opt(b.ns)) end)
  end
  features.each("before_links", m, step)
  for _, l in ipairs(kinds.order(m.links)) do
    local where = "link " .. l.id
    local e1, e2 = l.ends[1], l.ends[2]
    -- The root-namespace end (if any) is the one to delete,
    -- and the one veth_add makes: a peer without peer_ns lands beside
    -- the first end, so the end in a namespace must be the peer.
    local rootend = (not e1.ns and e1) or (not e2.ns and e2) or nil
    if rootend == e2 then e1, e2 = e2, e1 end
    if l.kind then
      features.each("create_link", l, step)
    else
      local veth = step(where, "create veth", function()
        core.veth_add(e1.real, e2.real, { ns = ns_opt(e1.ns), peer_ns = ns_opt(e2.ns), mtu = l.mtu })
      end, rootend and function() core.link_del(rootend.real) end or nil)
      if rootend and e2.ns then veth.kind, veth.link, veth.peer_ns = "veth-gone-with-ns", rootend.real, e2.ns.real end
    end
    for _, e in ipairs(l.ends) do
      if nodad and not e.ns then step(where, "no DAD on " .. e.real, no_dad(e.real)) end
      local master = e.master or e.vrf -- a bridge, a bond (kinds.lua) or a VRF
      if master then
        step(where, "attach " .. e.real .. " to " .. master.real, function()
          netns.set(e.real, { master = master.real }, ns_opt(e.ns))
        end)
        features.each("dev_steps", function(what, run) step(where, what, run) end, e.real, e, ns_opt(e.ns))
      end
      for _, a in ipairs(e.addrs) do
        step(where, "address " .. a.text .. " on " .. e.node.name, function()
          core.addr_add(e.real, a.text, { ns = ns_opt(e.ns), nodad = nodad })
        end)
      end
      step(where, "up " .. e.real, function()
        netns.set(e.real, { up = true, addrgenmode = genmode }, ns_opt(e.ns))
      end)
      if e.impair then
        step(where, "impair " .. e.real, function()
          local o = {}
          for k, v in pairs(e.impair) do o[k] = v end
          o.ns = ns_opt(e.ns)
          core.link_impair(e.real, o)
        end)
      end
    end
  end
  features.each("after_links", m, step, nodad, genmode)
  for _, n in ipairs(m.namespaces) do
    for _, r in ipairs(n.routes) do
      step("namespace " .. n.name, "route " .. r.dst .. (r.via and (" via " .. r.via) or ""), function()
        core.route_add(r.dst, { via = r.via, dev = r.dev, metric = r.metric, table = r.table,
                                src = r.src, family = r.family, type = r.type, mtu = r.mtu,
                                nexthops = r.nexthops, protocol = r.protocol, ns = n.real })
      end)
    end
  end
  features.each("after_routes", m, step)
  -- IPv6 addresses usable before up returns (or a service starts):
  -- links configured, and DAD over unless dad = false.
  if #v6 > 0 then
    step("addresses", m.dad and "IPv6 ready (DAD)" or "IPv6 ready", function() ready.addresses(v6, m.dad) end)
  end
  features.each("before_services", t, step)
  for _, s in ipairs(m.service_order) do
    local where = "service " .. s.name
    local start = step(where, "start", function() svc.start(t, s) end, function()
      local p = t.procs[s.name]
      if not p then return end
      netns.stop(p.handle)
      t.procs[s.name] = nil
    end)
    start.kind, start.service, start.grace = "service", s.name, s.stop_timeout
    if s.ready ~= nil then
      step(where, "ready", function() svc.wait_ready(t, s) end)
    end
  end
  return steps
end

return plan
