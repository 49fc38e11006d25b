-- nsl.cni.cache: the topology compiled once per version into one record
-- per node, so that a verb reads its node's record only and its cost does
-- not grow with the lab's size.
--
--   cache.node(ctx, name) -> rec    rec: { name, host, placed, links = {
--                                    { id, ifname, peer, peer_if, addrs,
--                                    peer_addrs, mtu, first, peer_host } } };
--                                    raises E.TOPOLOGY (no such node, a
--                                    topology that does not load), E.IO
--
-- The records live under <NSL_CNI_CACHE_DIR, default /run/nsl-cni/cache>
-- /<lab>/<version>/n-<node>, the version naming what the topology was: a
-- file's device, inode, size, mtime and ctime, or a store key's name,
-- revision, length and a hash of its text.  A changed topology is a new version, compiled at its first
-- call (the whole topology loaded and checked, as without a cache); the
-- records of other versions are removed then.  Each record is written
-- whole (a temporary file renamed), 0600 in 0700 directories; a record
-- that is not what the compiler writes (cut, forged) is never used: the
-- version is compiled again.  A cache directory someone else owns or may
-- write is refused.
local core = require "nsl.core"
local json = require "nsl.json"
local E = require "nsl.cni.err"
local owned = require("nsl.cni.store_dir").owned

local M = {}

local DIR = "/run/nsl-cni/cache"
local FORMAT = "1" -- of the records: a new nsl-cni never reads an older one's
local DONE = "=done"

-- FNV-1a of s in 32 bits (also the attachments' link groups: nsl.cni.attach).
function M.fnv(s)
  local h = 0x811c9dc5
  for i = 1, #s do h = ((h ~ s:byte(i)) * 0x01000193) & 0xffffffff end
  return h
end

local function fnv(s) return string.format("%08x", M.fnv(s)) end

-- A 64-bit hash of a whole text, 32 bytes a step (a topology of
-- megabytes in milliseconds): not against a forger (the cache is root's
-- alone), against two texts of one store revision.
local function text_hash(s)
  local h, n, unpack = #s, #s - #s % 32, string.unpack
  for i = 1, n, 32 do
    local a, b, c, d = unpack("<i8i8i8i8", s, i)
    h = ((((h ~ a) * 0x100000001b3 ~ b) * 0x100000001b3 ~ c) * 0x100000001b3 ~ d) * 0x100000001b3
  end
  for i = n + 1, #s do h = (h ~ s:byte(i)) * 0x100000001b3 end
  return string.format("%016x", h)
end

-- The directory of the lab's cache, made 0700 and checked, each level
-- checked before anything is made in it (a root that is a link to
-- elsewhere gets nothing made there).
local function lab_dir(ctx)
  local root = os.getenv("NSL_CNI_CACHE_DIR") or DIR
  local d = root .. "/" .. ctx.lab
  for _, p in ipairs({ root, d }) do
    E.wrap(E.IO, core._mkdir, p, 448)
    local ok, why = owned(p, "cache")
    if not ok then E.raise(E.IO, "nsl-cni: " .. why) end
  end
  return d
end

-- The version of the topology: its identity now, and how to read it.
local function version(ctx)
  local src = ctx.conf.topology
  if src:sub(1, 1) == "/" then
    local st = core._stat(src)
    if not st then return nil end
    return table.concat({ "f", FORMAT, fnv(src), st.id:gsub(":", "-"), st.size, st.mtime, st.ctime }, "-")
  end
  local text, rev = E.wrap(E.STORE, ctx.store.get, ctx.store, src)
  if not text then return nil end
  ctx.topology_text = text
  -- a revision alone is no identity: a store made again from nothing
  -- (etcd's data wiped) counts from the start again, under a kept cache
  return table.concat({ "s", FORMAT, fnv(src), rev, #text, text_hash(text) }, "-")
end

local NAME = "^[%w_.-]+$"

local function strings(t, max)
  if type(t) ~= "table" or #t > max then return false end
  for i, a in pairs(t) do
    if math.type(i) ~= "integer" or type(a) ~= "string" or #a > 64 then return false end
  end
  return true
end

local function name_ok(s) return type(s) == "string" and #s <= 64 and s:match(NAME) ~= nil end

-- True when rec is a record as compile writes it for node name.
local function valid(rec, name)
  if type(rec) ~= "table" or rec.name ~= name or type(rec.placed) ~= "boolean"
      or (rec.host ~= nil and not name_ok(rec.host)) or type(rec.links) ~= "table" then
    return false
  end
  for i, l in pairs(rec.links) do
    if math.type(i) ~= "integer" or type(l) ~= "table" or type(l.id) ~= "string" or #l.id > 200
        or not name_ok(l.peer) or type(l.ifname) ~= "string" or #l.ifname > 15 or #l.ifname == 0
        or l.ifname:find("[/%s]") or type(l.peer_if) ~= "string" or #l.peer_if > 15
        or not strings(l.addrs, 2) or not strings(l.peer_addrs, 2) or type(l.first) ~= "boolean"
        or (l.mtu ~= nil and (math.type(l.mtu) ~= "integer" or l.mtu < 68 or l.mtu > 65535))
        or (l.peer_host ~= nil and not name_ok(l.peer_host)) then
      return false
    end
  end
  return true
end

-- A node's file: "n-" before its name ("..", "=done" are never one).
local function file(dir, name) return dir .. "/n-" .. name end

local function read(dir, name)
  if not name_ok(name) then return nil end
  local text = core._read_file(file(dir, name), 1 << 20)
  if not text then return nil end
  local ok, rec = pcall(json.decode, text)
  if ok and valid(rec, name) then
    rec.links = rec.links or {}
    return rec
  end
  return nil
end

-- The topology checker (with nsl.ip and nsl.topo.keys), loaded on a
-- cache miss only: a call that finds its node's record loads none of it.
local function topo() return require "nsl.cni.topo" end

-- Loads and checks the whole topology (raises E.TOPOLOGY).
local function load(ctx)
  local src = ctx.conf.topology
  local text, why = ctx.topology_text, "no such key in the store " .. ctx.conf.store
  if not text and src:sub(1, 1) == "/" then text, why = core._read_file(src, 4 << 20) end
  if not text then E.raise(E.TOPOLOGY, "topology: " .. src .. ": " .. tostring(why)) end
  return E.wrap(E.TOPOLOGY, topo().load, text, src)
end

-- Every node's record of model.
local function compile(model)
  local out = {}
  for name, n in pairs(model.nodes) do
    local links = {}
    for i, l in ipairs(n.links) do
      local p = model.nodes[l.peer]
      links[i] = { id = l.id, ifname = l.ifname, peer = l.peer, peer_if = l.peer_if, addrs = json.array(l.addrs),
        peer_addrs = json.array(l.peer_addrs), mtu = l.mtu, first = l.first,
        peer_host = model.placed and p.host or nil }
    end
    out[name] = { name = name, host = n.host, placed = model.placed == true, links = json.array(links) }
  end
  return out
end

local function prune(d, keep)
  local names = core._readdir(d)
  for _, v in ipairs(names or {}) do
    if v ~= keep and not v:find("^%.") then pcall(core._rmtree, d .. "/" .. v) end
  end
end

-- The record of node name (raising E.TOPOLOGY for a topology that does
-- not load or has no such node).
function M.node(ctx, name)
  local d = lab_dir(ctx)
  local ver = version(ctx)
  local vd = ver and d .. "/" .. ver
  if vd and core._stat(vd .. "/" .. DONE, true) then
    local rec = read(vd, name)
    if rec then return rec end
  end
  local model = load(ctx)
  local recs = compile(model)
  -- a file changed while it was read is not that version: not cached
  -- best effort: a call of another version may remove this one meanwhile
  -- (the topology changing under concurrent calls); the records are had
  if vd and version(ctx) == ver and pcall(function()
      core._mkdir(vd, 448)
      assert(owned(vd, "cache"))
      for n, rec in pairs(recs) do core._write_whole(file(vd, n), json.encode(rec), 384) end
      core._write_whole(vd .. "/" .. DONE, "", 384)
    end) then
    prune(d, ver)
  end
  local rec = recs[name]
  if not rec then
    E.wrap(E.TOPOLOGY, topo().node, model, name)
  end
  return rec
end

return M
