-- nsl.topo.features: the parts of a topology beyond namespaces, bridges,
-- veths, addresses and routes, in one ordered list.  desc reads them,
-- plan builds them, view and state show them and nsl.topo gives them
-- their methods by walking this list, in its order, never by name.
--
-- A feature is a table of hooks, each optional:
--   keys = { top =, ns =, bridge =, link = }  the keys it adds to the
--                                 description, a namespace, a bridge, a link
--   namespace(n, spec)            desc: its keys of one namespace
--   bridge(b, spec, where)        desc: its keys of one bridge
--   link(l, spec)                 desc: its keys of one link, ends made
--   links(m)                      desc: after every link is read
--   read(desc, m, ctx)            desc: after the routes; ctx holds desc's
--                                 add_routes, reach and networks
--   ns_steps(n, step, where)      plan: after a namespace is made
--   dev_steps(step, dev, x, ns, self)  plan: after a bridge is made or a
--                                 port attached (x: the bridge or the end)
--   before_links(m, step)         plan: after the bridges, before the links
--   create_link(l, step)          plan: a link of a kind (l.kind) it makes
--   after_links(m, step, nodad, genmode)  plan: after every link is up
--   after_routes(m, step)         plan: after the namespaces' routes
--   before_services(t, step)      plan: after the addresses are ready
--   entry(t, e)                   state.entry: its part of the plain data
--   note(x)                       t:diagram(): its words after a bridge, port,
--                                 link end or own link x ("" for none)
--   summary(t)                    t:report()'s lines (state.text's extra[name])
--   state(t)                      t:state()'s field [name] while up
--   install(Topology)             its topology methods
local uts = require("nsl.topo.uts")
local nodefs = require("nsl.topo.nodefs")
local vlans = require("nsl.topo.vlans")
local kinds = require("nsl.topo.kinds")
local static = require("nsl.topo.static")
local rules = require("nsl.topo.rules")
local services = require("nsl.topo.services")
local nat = require("nsl.topo.nat")
local faults = require("nsl.topo.faults")
local json = require("nsl.json")
local core = require("nsl.core")

local M = {
  { name = "uts", -- hostnames: a UTS namespace each
    ns_steps = function(n, step, where)
      if n.hostname then
        step(where, "hostname " .. n.hostname, function() uts.make(n) end, function() uts.remove(n) end)
      end
    end },
  { name = "nodefs", -- files and private directories: a mount namespace each
    keys = { ns = { "files", "private" } },
    namespace = nodefs.read,
    ns_steps = function(n, step, where)
      if n.nodefs then
        step(where, "files", function() nodefs.make(n) end, function() nodefs.remove(n) end)
      end
    end,
    entry = function(t, e)
      for i, n in ipairs(t.model.namespaces) do
        if #(n.nodefs or {}) > 0 then e.namespaces[i].files = json.array(nodefs.lines(n.nodefs)) end
      end
    end },
  { name = "vlans", -- VLAN filtering bridges and their ports' VLANs
    keys = { bridge = vlans.BRIDGE_KEYS, link = vlans.LINK_KEYS },
    bridge = vlans.bridge,
    link = vlans.link,
    dev_steps = function(step, dev, x, ns, self) vlans.steps(step, dev, x.vlans, ns, self) end,
    note = function(x) return vlans.text(x.vlans) end },
  { name = "kinds", -- link kinds beyond veth, the namespaces' own links, VRFs
    keys = { ns = { "links", "vrfs" }, link = { "kind" } },
    links = kinds.read,
    read = function(_, m, ctx) kinds.late(m, ctx.add_routes) end,
    before_links = kinds.early, -- VRFs and bonds, before the veths they take
    create_link = kinds.create,
    after_links = kinds.own,
    note = kinds.note },
  { name = "static", -- routing = "static"
    keys = { top = { "routing" } },
    read = function(desc, m, ctx) static.read(desc, m, ctx.reach, ctx.networks) end },
  { name = "rules", -- policy routing rules
    keys = { ns = { "rules" } },
    read = function(_, m) rules.read(m) end,
    after_routes = function(m, step)
      for _, n in ipairs(m.namespaces) do
        for _, r in ipairs(n.rules or {}) do
          step("namespace " .. n.name, "rule " .. rules.text(r), function()
            local o = { ns = n.real }
            for k, v in pairs(r) do o[k] = v end
            core.rule_add(o)
          end)
        end
      end
    end },
  { name = "services", -- commands, readiness, order (started by plan, last)
    keys = { top = { "services" } },
    read = services.read },
  { name = "nat", -- nat, publish, firewall: the topology's nftables table
    keys = { ns = { "publish", "firewall" }, bridge = { "nat" }, link = { "nat" } },
    read = function(_, m) nat.read(m) end,
    before_services = nat.steps,
    summary = function(t) return nat.summary(t.model) end,
    install = nat.install },
  { name = "faults", -- t:link_down, t:impair, t:partition...: down, cut, impaired links
    entry = function(t, e)
      if t.status == "up" and t.faults then e.faults = json.array(faults.summary(t)) end
    end,
    summary = faults.summary,
    state = faults.state,
    install = faults.install },
}

-- each(hook, ...): calls every feature's hook of that name, in order.
function M.each(hook, ...)
  for _, f in ipairs(M) do
    if f[hook] then f[hook](...) end
  end
end

-- note(x): every feature's note of x, in order.
function M.note(x)
  local out = ""
  for _, f in ipairs(M) do
    if f.note then out = out .. f.note(x) end
  end
  return out
end

-- keys(place, set): adds the features' keys of place ("top", "ns",
-- "bridge", "link") to set; returns set.
function M.keys(place, set)
  for _, f in ipairs(M) do
    for _, k in ipairs(f.keys and f.keys[place] or {}) do set[k] = true end
  end
  return set
end

-- extras(t, hook): { [feature name] = hook(t) } for the features that
-- have it (state.text's extra, t:state()'s fields).
function M.extras(t, hook)
  local out = {}
  for _, f in ipairs(M) do
    if f[hook] then out[f.name] = f[hook](t) end
  end
  return out
end

return M
