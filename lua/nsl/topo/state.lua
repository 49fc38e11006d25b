-- nsl.topo.state: a topology as plain data, for JSON and for other
-- processes (nsl ls / show / exec).
--
--   entry(t)      what a human needs to find a topology again: prefix,
--                 nodes with real names, interfaces and addresses, UTS
--                 paths, services with pids.  Plain tables only; the lab
--                 file (nsl.lab) keeps one per topology that is up.
--   live(entry)   the live state read from the kernel now: per namespace
--                 its links, addresses, routes, policy rules (those it
--                 did not start with) and processes, the root
--                 namespace's links that belong to the topology.  What
--                 t:state() returns; needs only the entry, so another
--                 process can ask (nsl show).
--   text(state)   that state as aligned text.
--   report(entry) live(entry) as text, with the faults and captures the
--                 entry names: the one renderer of t:report(), t:show()
--                 and nsl show.
local core = require("nsl.core")
local pretty = require("nsl.pretty")
local json = require("nsl.json")
local features = require("nsl.topo.features")

local M = {}

local function array(t) return json.array(t or {}) end

-- Every address of an end or a bridge (IPv4 first, then IPv6) as text
-- with its prefix length: "10.0.0.1/24", "fd00::1/64".
function M.texts(addrs)
  local out = array()
  for _, p in ipairs(addrs or {}) do out[#out + 1] = p.text end
  return out
end

function M.entry(t)
  local m = t.model
  local e = { prefix = t.prefix, state = t.status, namespaces = array(), bridges = array(),
              links = array(), services = array() }
  for _, n in ipairs(m.namespaces) do
    local ifaces = array()
    for _, i in ipairs(n.ifaces or {}) do
      ifaces[#ifaces + 1] = { name = i.name, real = i.real, address = i.address,
                              addresses = M.texts(i.addrs),
                              peer = i.peer and i.peer.node and i.peer.node.name or nil }
    end
    e.namespaces[#e.namespaces + 1] = { name = n.name, real = n.real, hostname = n.hostname,
                                        uts = n.uts, mnt = n.mnt, interfaces = ifaces }
  end
  for _, b in ipairs(m.bridges) do
    e.bridges[#e.bridges + 1] = { name = b.name, real = b.real, address = b.address,
                                  addresses = M.texts(b.addrs), ns = b.ns and b.ns.real or nil }
  end
  for _, l in ipairs(m.links) do
    local ends = array()
    for _, x in ipairs(l.ends) do
      ends[#ends + 1] = { node = x.node.name, name = x.name, real = x.real, address = x.address,
                          addresses = M.texts(x.addrs), ns = x.ns and x.ns.real or nil }
    end
    e.links[#e.links + 1] = { ends = ends }
  end
  features.each("entry", t, e) -- files of namespaces, faults injected
  if t.captures then -- a keeper's captures (nsl capture)
    e.captures = array()
    for _, c in ipairs(t.captures) do e.captures[#e.captures + 1] = c end
  end
  for _, s in ipairs(m.service_order) do
    local p = t.procs[s.name]
    local cmd = array()
    for i, a in ipairs(s.cmd) do cmd[i] = tostring(a) end
    e.services[#e.services + 1] = { name = s.name, ns = s.ns.name, pid = p and p.pid or nil, cmd = cmd }
  end
  return e
end

local function safe(f, ...)
  local ok, r = pcall(f, ...)
  if ok then return json.plain(r) end
  return nil, tostring(r)
end

local function running(pid)
  if not pid then return false end
  local f = io.open("/proc/" .. pid .. "/stat", "r")
  if not f then return false end
  local st = f:read("a"):match("%) (%a)")
  f:close()
  return st ~= nil and st ~= "Z"
end

-- The rules every namespace starts with (lookup local, main, default).
local DEFAULT_RULES = { ["0 255"] = true, ["32766 254"] = true, ["32767 253"] = true }

-- live(entry): the kernel's view of the topology now (plain tables).
function M.live(e)
  local st = { prefix = e.prefix, state = e.state, host = { links = array() }, namespaces = array() }
  if e.state ~= "up" then return st end
  local own = {}
  for _, b in ipairs(e.bridges) do if not b.ns then own[b.real] = true end end
  for _, l in ipairs(e.links) do
    for _, x in ipairs(l.ends) do if not x.ns then own[x.real] = true end end
  end
  if next(own) then
    local links, err = safe(core.link_list)
    for _, l in ipairs(links or {}) do
      if own[l.name] then st.host.links[#st.host.links + 1] = l end
    end
    local addrs = safe(core.addr_list) or {}
    st.host.addresses = array()
    for _, a in ipairs(addrs) do
      if own[a.dev] then st.host.addresses[#st.host.addresses + 1] = a end
    end
    st.host.error = err
  end
  for _, n in ipairs(e.namespaces) do
    local ns = { name = n.name, real = n.real, hostname = n.hostname, processes = array(), files = n.files }
    local err1, err2, err3
    ns.links, err1 = safe(core.link_list, { ns = n.real })
    ns.addresses, err2 = safe(core.addr_list, { ns = n.real })
    ns.routes, err3 = safe(core.route_list, { ns = n.real })
    ns.links, ns.addresses, ns.routes = ns.links or array(), ns.addresses or array(), ns.routes or array()
    ns.rules = array()
    for _, r in ipairs(safe(core.rule_list, { ns = n.real }) or {}) do
      if not DEFAULT_RULES[r.priority .. " " .. tostring(r.table)] then ns.rules[#ns.rules + 1] = r end
    end
    ns.error = err1 or err2 or err3
    for _, s in ipairs(e.services) do
      if s.ns == n.name then
        ns.processes[#ns.processes + 1] = { service = s.name, pid = s.pid,
          running = running(s.pid), cmd = s.cmd }
      end
    end
    st.namespaces[#st.namespaces + 1] = ns
  end
  return st
end

local function indent(text, pad)
  return pad .. text:gsub("\n", "\n" .. pad)
end

-- The links of one namespace (or of the host) as rows; a peer in another
-- namespace shows as "eth0@b" by the topology's name of it (names maps
-- real names to the topology's), a namespace link's peer in the root
-- namespace as "veth0@host" (host: the set of the topology's root links).
local function link_table(links, addresses, names, host)
  local by = {}
  for _, a in ipairs(addresses or {}) do
    -- IPv6 link-local addresses are on every link: noise here.
    if a.cidr and not a.cidr:lower():find("^fe80:") then
      by[a.dev] = by[a.dev] or {}
      table.insert(by[a.dev], a.cidr)
    end
  end
  local rows = setmetatable({}, { __columns = { "name", "kind", "peer", "master", "state", "mtu", "addresses" } })
  for _, l in ipairs(links) do
    local peer = l.peer or ""
    if l.peer and l.peer_ns and l.peer_ns ~= "" then
      peer = peer .. "@" .. (names[l.peer_ns] or l.peer_ns)
    elseif l.peer and host and host[l.peer] then
      peer = peer .. "@host"
    end
    rows[#rows + 1] = { name = l.name, kind = l.kind or "", peer = peer, master = l.master or "",
      state = l.up == nil and "" or (l.up and "up" or "down"), mtu = l.mtu or "",
      addresses = table.concat(by[l.name] or {}, " ") }
  end
  return pretty.format(rows)
end

-- text(state [, extra]): the state as the lines t:show() prints (the one
-- renderer of a topology's live state: t:report(), t:show(), nsl show).
-- extra.nat and extra.faults are lines only the process holding the
-- topology knows (its nftables table's rules, the faults it injected),
-- extra.captures a keeper's captures; extra.only: that namespace alone.
function M.text(st, extra)
  extra = extra or {}
  local out = {}
  local function add(s) out[#out + 1] = s end
  add(string.format("topology %s (%s)", st.prefix ~= "" and st.prefix or "(no prefix)", st.state))
  if st.state ~= "up" then
    add("  not up: nothing to show live; t:diagram() shows the description")
    return table.concat(out, "\n")
  end
  local names, host = {}, {}
  for _, n in ipairs(st.namespaces) do names[n.real] = n.name end
  for _, l in ipairs(st.host.links) do host[l.name] = true end
  if (#st.host.links > 0 or st.host.error) and not extra.only then
    add("host (root namespace)")
    if st.host.error then add("  links: " .. st.host.error) end
    add(indent(link_table(st.host.links, st.host.addresses, names), "  "))
  end
  for _, line in ipairs(extra.nat or {}) do add("  " .. line) end
  if extra.faults and #extra.faults > 0 then
    add("faults")
    for _, line in ipairs(extra.faults) do add("  " .. line) end
  end
  if extra.captures and #extra.captures > 0 then
    add("captures")
    for _, c in ipairs(extra.captures) do
      add(string.format("  %s (pid %d) to %s", c["end"], c.pid, c.to))
    end
  end
  for _, n in ipairs(st.namespaces) do
    if extra.only and n.name ~= extra.only then goto next end -- nsl show RUN NODE
    add(string.format("namespace %s%s%s", n.name, n.real ~= n.name and (" (" .. n.real .. ")") or "",
      n.hostname and (", hostname " .. n.hostname) or ""))
    if n.error then add("  error: " .. n.error) end
    add(indent(link_table(n.links, n.addresses, names, host), "  "))
    if n.files and #n.files > 0 then -- its own mount namespace (nsl.topo.nodefs)
      add("  files")
      for _, line in ipairs(n.files) do add("    " .. line) end
    end
    local routes = setmetatable({}, { __columns = { "dst", "via", "dev", "metric" } })
    for _, r in ipairs(n.routes) do
      if not tostring(r.dst):lower():find("^fe80:") then -- link-local: on every link
        routes[#routes + 1] = { dst = tostring(r.dst), via = r.via or "", dev = r.dev or "", metric = r.metric or "" }
      end
    end
    if #routes > 0 then
      add("  routes")
      add(indent(pretty.format(routes), "    "))
    end
    if n.rules and #n.rules > 0 then
      local rows = setmetatable({}, { __columns = { "priority", "from", "to", "iif", "oif", "fwmark", "table" } })
      for _, r in ipairs(n.rules) do
        rows[#rows + 1] = { priority = r.priority, from = r.from or "", to = r.to or "", iif = r.iif or "",
          oif = r.oif or "", fwmark = r.fwmark or "", table = r.action ~= "table" and r.action or r.table or "" }
      end
      add("  rules")
      add(indent(pretty.format(rows), "    "))
    end
    if #n.processes > 0 then
      local procs = setmetatable({}, { __columns = { "service", "pid", "state", "cmd" } })
      for _, p in ipairs(n.processes) do
        procs[#procs + 1] = { service = p.service, pid = p.pid or "", state = p.running and "running" or "exited",
          cmd = table.concat(p.cmd, " ") }
      end
      add("  processes")
      add(indent(pretty.format(procs), "    "))
    end
    ::next::
  end
  return table.concat(out, "\n")
end

-- report(entry [, extra]): the entry's live state as text, the faults it
-- names and its captures still running (one a signal killed never said
-- it stopped) added to extra (nat, only: see text).  What t:report(),
-- t:show() (nsl.topo.view, for a topology of this process) and nsl show
-- (nsl.cli, for one a lab file names) print.
function M.report(e, extra)
  local x = { faults = e.faults, captures = {} }
  for k, v in pairs(extra or {}) do x[k] = v end
  for _, c in ipairs(e.captures or {}) do
    local f = io.open("/proc/" .. tostring(c.pid) .. "/stat")
    if f then
      f:close()
      x.captures[#x.captures + 1] = c
    end
  end
  return M.text(M.live(e), x)
end

return M
