-- nsl.topo.nodefs: the files and private directories of a topology's
-- namespaces.  A namespace with either gets a mount namespace of its own,
-- kept as a bind mount at <run dir>/mnt/<real name> (made by
-- core._mnt_add, in C, without a fork), which every command run there
-- joins (ns_exec's mnt option).  Inside it each private directory is a
-- tmpfs and each file covers its path (bound over the host's file, or
-- written in a private directory or a tmpfs layer over its nearest
-- existing directory); the host never sees any of it.
local core = require("nsl.core")
local keys = require("nsl.topo.keys")
local pinned = require("nsl.topo.pinned")
local fail, check_keys, set = keys.fail, keys.check_keys, keys.set

-- path(n), make(n), remove(n): n.mnt is the bind mount while it exists
local M = pinned("mnt", "mnt", function(path, n) core._mnt_add(path, n.nodefs) end, core._mnt_del)

local FILE = set("content", "mode", "owner", "group")
local DIR = set("mode", "owner", "group")

-- An absolute path without "." or ".." parts, "//" or a trailing "/".
local function check_path(p, where)
  if type(p) ~= "string" then fail("%s: a path must be a string, got %s", where, type(p)) end
  if p:find("\0", 1, true) then fail("%s: path %q holds a NUL byte", where, p) end
  if p:sub(1, 1) ~= "/" or p == "/" then fail("%s: '%s' is not an absolute path below /", where, p) end
  if p:find("//", 1, true) or p:sub(-1) == "/" then fail("%s: write '%s' without '//' or a trailing '/'", where, p) end
  for part in p:gmatch("[^/]+") do
    if part == "." or part == ".." then fail("%s: '%s' has a '%s' part", where, p, part) end
  end
  return p
end

-- Has id a number in this process's user namespace (kind "uid" or
-- "gid")?  A rootless run maps its caller alone.
function M.mapped(id, kind)
  local f = io.open("/proc/self/" .. kind .. "_map", "r")
  if not f then return true end
  for line in f:lines() do
    local inside, _, count = line:match("^%s*(%d+)%s+(%d+)%s+(%d+)")
    if inside and id >= tonumber(inside) and id < tonumber(inside) + tonumber(count) then
      f:close()
      return true
    end
  end
  f:close()
  return false
end

local function check_mapped(id, kind, what, where)
  if id and not M.mapped(id, kind) then
    fail("%s: %s has no %s in this user namespace (a rootless run maps only its caller): leave it out",
      where, what, kind)
  end
end
M.check_mapped = check_mapped

-- mode: "0640" (octal text) or a number; owner/group: names of the
-- host's user database or numbers.
local function attrs(v, where, default_mode)
  local a = { mode = default_mode }
  if v.mode ~= nil then
    if math.type(v.mode) == "integer" and v.mode >= 0 and v.mode <= 4095 then a.mode = v.mode
    elseif type(v.mode) == "string" and v.mode:match("^[0-7]+$") and #v.mode <= 4 then a.mode = tonumber(v.mode, 8)
    else fail("%s: mode must be octal text like \"0640\", got %s", where, tostring(v.mode)) end
  end
  if v.owner ~= nil then
    if type(v.owner) ~= "string" and math.type(v.owner) ~= "integer" then
      fail("%s: owner must be a user name or number, got %s", where, type(v.owner))
    end
    local uid, gid = core._user(tostring(v.owner))
    if not uid then fail("%s: owner '%s' is no user of this host", where, tostring(v.owner)) end
    a.uid, a.gid, a.owner = uid, gid, tostring(v.owner)
    check_mapped(uid, "uid", "owner '" .. a.owner .. "' (uid " .. uid .. ")", where)
    if v.group == nil then check_mapped(gid, "gid", "owner '" .. a.owner .. "' (its gid " .. gid .. ")", where) end
  end
  if v.group ~= nil then
    if type(v.group) ~= "string" and math.type(v.group) ~= "integer" then
      fail("%s: group must be a group name or number, got %s", where, type(v.group))
    end
    local gid = core._group(tostring(v.group))
    if not gid then fail("%s: group '%s' is no group of this host", where, tostring(v.group)) end
    a.gid = gid
    check_mapped(gid, "gid", "group '" .. tostring(v.group) .. "' (gid " .. gid .. ")", where)
  end
  return a
end

-- read(n, spec): checks spec.files and spec.private of namespace n and
-- keeps them as n.nodefs = { list of _mnt_add entries }.
function M.read(n, spec)
  local where = "namespace " .. n.name
  local dirs, files, seen = {}, {}, {}
  if spec.private ~= nil then
    if type(spec.private) ~= "table" then fail("%s: private must be a list of paths", where) end
    for k, v in pairs(spec.private) do
      local p, opts
      if math.type(k) == "integer" then p, opts = v, {}
      elseif type(k) == "string" then
        p, opts = k, v
        if type(opts) ~= "table" then fail("%s: private[%q] must be a table like { owner = \"frr\" }", where, k) end
      else fail("%s: private: unexpected entry [%s]", where, tostring(k)) end
      local at = where .. ": private " .. tostring(p)
      check_path(p, where .. ": private")
      check_keys(opts, DIR, at)
      if seen[p] then fail("%s: given twice", at) end
      seen[p] = true
      local a = attrs(opts, at, 493) -- 0755
      dirs[#dirs + 1] = { kind = "dir", target = p, mode = a.mode, uid = a.uid, gid = a.gid, owner = a.owner }
    end
  end
  if spec.files ~= nil then
    if type(spec.files) ~= "table" then fail("%s: files must be a table { [path] = content }", where) end
    for p, v in pairs(spec.files) do
      if type(p) ~= "string" then fail("%s: files: give each file its path: files = { [\"/etc/x\"] = \"...\" }", where) end
      local at = where .. ": file " .. p
      check_path(p, where .. ": files")
      if seen[p] then fail("%s: given twice (a private directory and a file)", at) end
      seen[p] = true
      if type(v) == "string" then v = { content = v } end
      if type(v) ~= "table" then fail("%s: expected its content (a string) or a table { content = ... }", at) end
      check_keys(v, FILE, at)
      if type(v.content) ~= "string" then fail("%s: content must be a string, got %s", at, type(v.content)) end
      local a = attrs(v, at, 420) -- 0644
      files[#files + 1] = { kind = "file", target = p, content = v.content, mode = a.mode, uid = a.uid,
                            gid = a.gid, owner = a.owner }
    end
  end
  if #dirs + #files == 0 then return end
  -- parents before children; directories before the files in them
  table.sort(dirs, function(x, y) return x.target < y.target end)
  table.sort(files, function(x, y) return x.target < y.target end)
  n.nodefs = table.move(files, 1, #files, #dirs + 1, dirs)
end

-- What t:show() lists: "private /run/frr (0755)", "file /etc/frr/frr.conf (0640 frr)".
function M.lines(list)
  local out = {}
  for _, e in ipairs(list or {}) do
    out[#out + 1] = string.format("%s %s (%04o%s)", e.kind == "dir" and "private" or "file", e.target,
      e.mode, e.owner and (" " .. e.owner) or "")
  end
  return out
end

return M
