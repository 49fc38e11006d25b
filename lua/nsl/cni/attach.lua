-- nsl.cni.attach: what ADD, DEL, CHECK and GC do to the kernel and the
-- store, for one node of the lab (ctx: conf, env, store, node_of, lab,
-- host; see nsl.cni).  The host lock is held around each verb.
--
-- Store layout (keys under "<lab>/"):
--   hosts/<host>          that host's underlay address (put by its ADDs)
--   att/<node>            the node's attachment: JSON { id, ifname,
--                         netns, nsid, host, group, node }
--   cid/<id>/<ifname>     the same record, found by DEL and GC
--   vni/<link id>         the VNI of a link between two hosts ("-": released)
--   vnis/<vni>            the link holding that VNI (taken by CAS)
--   vninext               the next VNI to hand out (taken by CAS)
--
-- Every link nsl-cni makes has the alias "nsl-cni:<lab>:<id>:<ifname>"
-- (id the container id of the pod it is in) and is in the attachment's
-- link group: DEL removes what is in the group and tagged (or untagged:
-- an ADD killed before tagging), GC what is tagged.
local core = require "nsl.core"
local json = require "nsl.json"
local E = require "nsl.cni.err"
local cache = require "nsl.cni.cache"

local M = {}

local function tag(lab, id, ifname)
  return "nsl-cni:" .. lab .. ":" .. id .. ":" .. ifname
end
M.tag = tag

-- The link group of an attachment: FNV-1a of lab, id and ifname in 31
-- bits (iproute2 takes groups up to 2^31 - 1), never 0 (every link's
-- default group).
function M.group(lab, id, ifname)
  local h = cache.fnv(lab .. "\0" .. id .. "\0" .. ifname) & 0x7fffffff
  return h == 0 and 1 or h
end

local function kernel(fn, ...)
  return E.wrap(E.KERNEL, fn, ...)
end

local function store(ctx, method, ...)
  local s = ctx.store
  return E.wrap(E.STORE, s[method], s, ...)
end

local function key(ctx, ...)
  return ctx.lab .. "/" .. table.concat({ ... }, "/")
end

local function decode(v)
  local ok, r = pcall(json.decode, v or "")
  return ok and type(r) == "table" and r or nil
end

local function ns_ok(path)
  return path and pcall(link_get, "lo", { ns = path })
end

-- The identity ("dev:ino") of the namespace file path names now, or nil.
local function ns_id(path)
  local st = path and core._stat(path)
  return st and st.nsfs and st.id or nil
end

-- True when attachment rec's pod is still there: its namespace file names
-- the namespace it named at ADD.  A /proc/PID/ns/net whose pod died
-- without a DEL (its PID now another process's, maybe the host's) or a
-- bind mount made again names another namespace: never wired.
local function present(rec)
  return ns_ok(rec.netns) and (rec.nsid == nil or ns_id(rec.netns) == rec.nsid)
end

local function get_link(name, netns)
  local ok, l = pcall(link_get, name, { ns = netns })
  if ok then return l end
  if type(l) == "table" and l.code == "ENODEV" then return nil end
  E.raise(E.KERNEL, tostring(l))
end

-- Removes link name in netns when it is nsl-cni's (alias want, or any
-- nsl-cni alias of this lab); refuses a link of someone else's.
local function clear(ctx, name, netns, why)
  local l = get_link(name, netns)
  if not l then return end
  if not (l.alias or ""):find("^nsl%-cni:" .. ctx.lab:gsub("%p", "%%%0") .. ":") then
    E.raise(E.KERNEL, string.format("ADD: %s: interface %s exists in %s and is not nsl-cni's (%s)",
      ctx.node.name, name, netns, why))
  end
  kernel(link_del, name, { ns = netns })
end

local function address(name, netns, addrs)
  for _, a in ipairs(addrs) do
    local ok, e = pcall(addr_add, name, a, { ns = netns, nodad = true })
    if not ok and not (type(e) == "table" and e.code == "EEXIST") then E.raise(E.KERNEL, tostring(e)) end
  end
end

-- The attachment record of node, or nil.
local function att_of(ctx, node)
  return decode((store(ctx, "get", key(ctx, "att", node))))
end

local function host_addr(ctx, h)
  local a = store(ctx, "get", key(ctx, "hosts", h))
  if not a then
    E.raise(E.TRY_AGAIN, string.format("ADD: %s: host %s has not registered its underlay address "
      .. "yet (each host does at its first ADD): try again later", ctx.node.name, h))
  end
  return a
end

local MAX_VNI = 16777215

-- A VNI no link holds yet: the per-lab counter vninext taken by
-- compare-and-swap (no listing), the VNI then reserved by CAS on
-- vnis/<v> (a counter wrapped past MAX_VNI skips the ones still held).
-- Once as many VNIs as lie above vniBase were found held, none is left.
local function new_vni(ctx, id)
  local base, tries = ctx.conf.vx.base, 0
  while tries <= math.min(MAX_VNI - base, 999999) do
    local cur, rev = store(ctx, "get", key(ctx, "vninext"))
    local v = tonumber(cur) or base
    if v < base or v > MAX_VNI then v = base end
    if store(ctx, "cas", key(ctx, "vninext"), rev, tostring(v + 1)) then
      if store(ctx, "cas", key(ctx, "vnis", v), 0, id) then return v end
      tries = tries + 1
    end
  end
  E.raise(E.STORE, "ADD: no VNI left above vniBase for link " .. id)
end

-- A test's hook: with the variable set to a path, writes that file and
-- waits until it is gone (a spec runs another call in that window).
local function test_pause(var)
  local f = os.getenv(var)
  if not f then return end
  core._write_whole(f, "paused\n", 384)
  while core._stat(f) do sleep(0.02) end
end

-- The VNI of link id, this ADD's attachment already in the store: the
-- one in vni/<id>, confirmed by rewriting it by compare-and-swap (a
-- release that read the entry before sees its revision changed and
-- keeps it), else a new one set by CAS (a host that set one first wins:
-- this one's goes back).
local function vni_of(ctx, id)
  local k = key(ctx, "vni", id)
  while true do
    local have, rev = store(ctx, "get", k)
    local v = tonumber(have)
    if v then
      if store(ctx, "cas", k, rev, have) then return v end
    else
      local n = new_vni(ctx, id)
      if store(ctx, "cas", k, rev, tostring(n)) then return n end
      store(ctx, "del", key(ctx, "vnis", n)) -- another host set one first
    end
  end
end

local function peer_host(ctx, l)
  return l.peer_host or ctx.host
end

-- A veth between node's pod and the present peer's, made directly between
-- the two namespaces, each end tagged, grouped and addressed.
local function veth(ctx, me, l, peer)
  local mine, theirs = get_link(l.ifname, me.netns), get_link(l.peer_if, peer.netns)
  local mtag, ptag = tag(ctx.lab, me.id, l.ifname), tag(ctx.lab, peer.id, l.peer_if)
  if not (mine and theirs and mine.kind == "veth" and mine.alias == mtag and mine.peer == l.peer_if
      and theirs.alias == ptag and theirs.peer == l.ifname) then
    clear(ctx, l.ifname, me.netns, "link " .. l.id)
    clear(ctx, l.peer_if, peer.netns, "link " .. l.id .. ", in " .. l.peer)
    kernel(veth_add, l.ifname, l.peer_if, { ns = me.netns, peer_ns = peer.netns, group = me.group,
      mtu = l.mtu })
  end
  kernel(link_set, l.ifname, { ns = me.netns, alias = mtag, up = true })
  kernel(link_set, l.peer_if, { ns = peer.netns, alias = ptag, group = peer.group, up = true })
  address(l.ifname, me.netns, l.addrs)
  address(l.peer_if, peer.netns, l.peer_addrs)
  return true
end

-- node's end of a link to another host: a VXLAN made inside the pod over
-- this host's underlay.
local function vxlan(ctx, me, l, h)
  local remote, vni = host_addr(ctx, h), vni_of(ctx, l.id)
  local u, vx = ctx.conf.underlay or {}, ctx.conf.vx
  local mtag = tag(ctx.lab, me.id, l.ifname)
  local have = get_link(l.ifname, me.netns)
  if not (have and have.kind == "vxlan" and have.alias == mtag and have.vxlan.vni == vni
      and have.vxlan.remote == remote) then
    clear(ctx, l.ifname, me.netns, "link " .. l.id)
    kernel(vxlan_add, l.ifname, vni, { link_ns = me.netns, dev = u.dev, ["local"] = u["local"],
      remote = remote, port = vx.port, group = me.group, mtu = l.mtu or vx.mtu })
  end
  kernel(link_set, l.ifname, { ns = me.netns, alias = mtag, up = true })
  address(l.ifname, me.netns, l.addrs)
  return true
end

-- Makes (or keeps) node's end of link l; true when it is there now.
local function ensure(ctx, me, l)
  local h = peer_host(ctx, l)
  if h ~= ctx.host then return vxlan(ctx, me, l, h) end
  local peer = att_of(ctx, l.peer)
  if not (peer and peer.host == ctx.host and present(peer)) then
    return false -- the peer's ADD makes it
  end
  return veth(ctx, me, l, peer)
end

function M.node(ctx)
  local env = ctx.env
  if not env.node or env.node == "" then
    E.raise(E.INVALID_ENV, "env: CNI_ARGS names no node (NSL_NODE=<node> or K8S_POD_NAME=<node>)")
  end
  local node = ctx.node_of(env.node)
  E.mark("node")
  if node.placed and node.host ~= ctx.host then
    E.raise(E.TOPOLOGY, string.format("topology: node %s is placed on host %s, not on this host %s",
      node.name, tostring(node.host or "(none)"), ctx.host))
  end
  ctx.node = node
  return node
end

local function record(ctx)
  local env = ctx.env
  return { id = env.id, ifname = env.ifname, netns = env.netns, nsid = ns_id(env.netns), host = ctx.host,
    node = ctx.node.name, group = M.group(ctx.lab, env.id, env.ifname) }
end

function M.add(ctx)
  local node = M.node(ctx)
  local env = ctx.env
  local ok, e = pcall(link_get, "lo", { ns = env.netns })
  if not ok then
    local gone = type(e) == "table" and (e.code == "ENOENT" or e.code == "EINVAL")
    E.raise(gone and E.UNKNOWN_CONTAINER or E.KERNEL, "ADD: " .. node.name .. ": CNI_NETNS: " .. tostring(e))
  end
  M.register(ctx)
  local me = record(ctx)
  local text = json.encode(me)
  store(ctx, "put", key(ctx, "cid", me.id, me.ifname), text)
  store(ctx, "put", key(ctx, "att", node.name), text)
  E.mark("records")
  local made = {}
  for _, l in ipairs(node.links) do
    if ensure(ctx, me, l) then made[#made + 1] = l end
    E.mark(peer_host(ctx, l) == ctx.host and "veth" or "vxlan")
  end
  return made, me
end

-- The links of node's pod as ADD left them, for the result.
function M.result_links(made, me)
  local out = {}
  for _, l in ipairs(made) do
    local k = get_link(l.ifname, me.netns)
    if k then out[#out + 1] = { name = l.ifname, mac = k.address, mtu = k.mtu, addrs = l.addrs } end
  end
  return out
end

-- Puts this host's underlay address in the store (ADD, CHECK, GC and
-- STATUS do, so that a host is known before its first pod's peers ask).
function M.register(ctx)
  local u = ctx.conf.underlay
  if u and u["local"] and store(ctx, "get", key(ctx, "hosts", ctx.host)) ~= u["local"] then
    store(ctx, "put", key(ctx, "hosts", ctx.host), u["local"])
  end
end

-- Releases the VNIs of node's links to other hosts whose peer is gone:
-- the entry read first, the peer checked, the entry then replaced by
-- "-" by compare-and-swap on the revision read, and only then vnis/<v>
-- freed.  A peer ADD that registered meanwhile rewrote the entry (its
-- revision changed): the CAS fails and the VNI stays reserved.
local function release(ctx, node)
  for _, l in ipairs(node.links) do
    if peer_host(ctx, l) ~= ctx.host then
      local k = key(ctx, "vni", l.id)
      local v, rev = store(ctx, "get", k)
      if tonumber(v) and not att_of(ctx, l.peer) then
        test_pause("NSL_CNI_TEST_PAUSE_RELEASE")
        if store(ctx, "cas", k, rev, "-") then store(ctx, "del", key(ctx, "vnis", v)) end
      end
    end
  end
end

local function forget(ctx, rec)
  store(ctx, "del", key(ctx, "cid", rec.id, rec.ifname))
  local cur = att_of(ctx, rec.node)
  -- none: an ADD killed before it wrote att/<node> whole (del takes the
  -- half-written copy along)
  if not cur or cur.id == rec.id and cur.ifname == rec.ifname then
    store(ctx, "del", key(ctx, "att", rec.node))
    local node = ctx.node_of(rec.node, true)
    if node then release(ctx, node) end
  end
end

-- Removes the links of container id in netns that carry its tag; with g
-- (DEL: one attachment) only those of its link group g, and the
-- untagged ones of g too, which an ADD killed between making a link and
-- tagging it leaves.  A link of someone else's tag is never touched, in
-- the group or not; no namespace (or none of the links) is fine.  When
-- every link of group g is to go, they go in one request (the kernel
-- then waits out one RCU grace period for all, not one per link).
local function sweep(ctx, netns, id, g)
  if not ns_ok(netns) then return end
  local prefix = "nsl-cni:" .. ctx.lab .. ":" .. id .. ":"
  local doomed, all = {}, true
  for _, l in ipairs(kernel(link_list, { ns = netns })) do
    local alias = l.alias or ""
    local mine = alias:sub(1, #prefix) == prefix
    if (g == nil and mine) or (g ~= nil and l.group == g and (mine or alias == "")) then
      doomed[#doomed + 1] = l.name
    elseif g ~= nil and l.group == g then
      all = false -- someone else's link in the group: each of ours alone
    end
  end
  if g ~= nil and all and #doomed > 1 then
    local ok, e = pcall(link_del, { group = g, ns = netns })
    if ok or (type(e) == "table" and e.code == "ENODEV") then return end
  end
  for _, name in ipairs(doomed) do
    local ok, e = pcall(link_del, name, { ns = netns })
    if not ok and not (type(e) == "table" and e.code == "ENODEV") then E.raise(E.KERNEL, tostring(e)) end
  end
end

-- A node deleted here that the topology now places on another host (it
-- moves): each same-host peer still here gets its VXLAN end toward that
-- host, as its own ADD would make it.  Best effort: DEL never fails for
-- it (the peer's next ADD makes it too).
local function rewire(ctx, rec)
  local node = ctx.node_of(rec.node, true)
  if not (node and node.placed and node.host and node.host ~= ctx.host) then return end
  for _, l in ipairs(node.links) do
    local peer = att_of(ctx, l.peer)
    if peer and peer.host == ctx.host and present(peer) then
      -- the peer's end of l, as its record has it
      local pl = { id = l.id, ifname = l.peer_if, peer = node.name, peer_if = l.ifname, addrs = l.peer_addrs,
        peer_addrs = l.addrs, mtu = l.mtu, first = not l.first, peer_host = node.host }
      ctx.node = { name = l.peer }
      local ok, e = pcall(vxlan, ctx, peer, pl, node.host)
      if not ok then io.stderr:write("nsl-cni: DEL: ", tostring(e), "\n") end
    end
  end
end

-- What a store's writers killed mid-write left (a dir store's .tmp
-- files): GC's; DEL's own keys go through del.
local function sweep_store(ctx)
  if ctx.store.sweep then store(ctx, "sweep") end
end

function M.del(ctx)
  local env = ctx.env
  local rec = decode((store(ctx, "get", key(ctx, "cid", env.id, env.ifname))))
  local g = rec and rec.group or M.group(ctx.lab, env.id, env.ifname)
  E.mark("record")
  sweep(ctx, env.netns or (rec and present(rec) and rec.netns), env.id, g)
  E.mark("sweep")
  if rec then
    forget(ctx, rec)
    E.mark("forget")
    rewire(ctx, rec)
    E.mark("rewire")
  else
    store(ctx, "del", key(ctx, "cid", env.id, env.ifname)) -- a half-written one, if any
  end
end

function M.gc(ctx, valid)
  local keep = {}
  if valid == json.null then valid = nil end -- Go's empty list: none valid
  -- not a list (an object, a string): refused, never read as "none valid"
  if valid ~= nil and (type(valid) ~= "table" or next(valid) ~= nil and valid[1] == nil) then
    E.raise(E.INVALID_CONFIG, "config: cni.dev/valid-attachments must be a list of { containerID =, ifname = }, got "
      .. json.encode(valid))
  end
  for i, a in ipairs(valid or {}) do
    if type(a) ~= "table" or type(a.containerID) ~= "string" or type(a.ifname) ~= "string" then
      E.raise(E.INVALID_CONFIG, "config: cni.dev/valid-attachments[" .. i
        .. "] must be { containerID =, ifname = }")
    end
    keep[a.containerID .. "/" .. a.ifname] = true
  end
  local removed = 0
  sweep_store(ctx)
  for _, v in pairs(store(ctx, "list", key(ctx, "cid") .. "/")) do
    local rec = decode(v)
    if rec and rec.host == ctx.host and not keep[rec.id .. "/" .. rec.ifname] then
      sweep(ctx, rec.netns, rec.id)
      forget(ctx, rec)
      removed = removed + 1
    end
  end
  return removed
end

-- CHECK: every link ADD would make is there, nsl-cni's, up, addressed.
function M.check(ctx)
  local node = M.node(ctx)
  local env = ctx.env
  local rec = decode((store(ctx, "get", key(ctx, "cid", env.id, env.ifname))))
  if not rec then
    E.raise(E.UNKNOWN_CONTAINER, "CHECK: " .. node.name .. ": no attachment " .. env.id .. "/"
      .. env.ifname .. " in the store (no ADD?)")
  end
  for _, l in ipairs(node.links) do
    local h = peer_host(ctx, l)
    local peer = h == ctx.host and att_of(ctx, l.peer)
    if h ~= ctx.host or (peer and present(peer)) then
      local k = get_link(l.ifname, env.netns)
      local want = tag(ctx.lab, env.id, l.ifname)
      local why = not k and "missing" or k.alias ~= want and "not nsl-cni's (alias " .. tostring(k.alias) .. ")"
        or not k.up and "down"
        or (h ~= ctx.host and k.kind ~= "vxlan") and "not a vxlan"
        or (h == ctx.host and k.kind ~= "veth") and "not a veth"
      if not why then
        local have = {}
        for _, a in ipairs(kernel(addr_list, { ns = env.netns, dev = l.ifname })) do have[a.cidr] = true end
        -- l.addrs are nsl.ip's text, as addr_list's cidr
        for _, a in ipairs(l.addrs) do
          if not have[a] then why = "has no address " .. a end
        end
      end
      if why then
        E.raise(E.CHECK, string.format("CHECK: %s: interface %s (link %s): %s", node.name, l.ifname, l.id, why))
      end
    end
  end
end

return M
