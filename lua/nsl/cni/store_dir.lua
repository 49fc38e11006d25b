-- nsl.cni.store_dir: the store in a directory (dir:///path), for one
-- machine or CI.  Each key is a file <path>/kv/<key, %-encoded>, holding
-- "<revision>\n<value>"; revisions come from one counter (<path>/kv/=rev),
-- so a key deleted and made again never has its old revision back.  Every
-- call holds an flock on <path>/kv for its length: a compare-and-swap is
-- atomic against every other nsl-cni on the machine.  Files are written
-- whole (a temporary file renamed): a kill leaves the old value or the
-- new one.  The directory and its kv must be root's (or the plugin's
-- uid's), not a symbolic link, and neither group- nor world-writable:
-- another user could forge the lab's state there; the store refuses them.
local core = require "nsl.core"

local M = {}
local Store = {}
Store.__index = Store

local MAX = 1 << 20

local function enc(key)
  return (key:gsub("[^%w_:-]", function(c) return string.format("%%%02X", c:byte()) end))
end

local function dec(name)
  return (name:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local me_uid

-- owned(path, what) -> true | nil, why: path is a directory (not a link)
-- that root or this process's uid owns and no group or other may write.
function M.owned(path, what)
  local st = core._stat(path, true)
  if not st then return nil, what .. " " .. path .. ": missing" end
  me_uid = me_uid or (core._stat("/proc/self") or { uid = 0 }).uid
  if st.type ~= "dir" then return nil, what .. " " .. path .. ": not a directory (a " .. st.type .. ")" end
  if st.uid ~= 0 and st.uid ~= me_uid then
    return nil, string.format("%s %s: owned by uid %d, not by root: refused", what, path, st.uid)
  end
  if st.mode & 18 ~= 0 then -- 022
    return nil, string.format("%s %s: mode %04o: group or others may write it: refused", what, path, st.mode)
  end
  return true
end

function M.open(rest, url)
  if rest:sub(1, 1) ~= "/" then
    error(string.format("store: %s: a dir store takes an absolute path (dir:///run/nsl-cni)", url), 0)
  end
  return setmetatable({ url = url, root = rest, kv = rest .. "/kv" }, Store)
end

-- Runs fn(self) holding the store's lock; raises "store: <url>: ...".
function Store:locked(fn, ...)
  if not self.checked then
    -- each level made, then checked before anything is made in it: a
    -- root that is a link elsewhere is refused before kv lands there
    for _, p in ipairs({ self.root, self.kv }) do
      local ok, err = pcall(core._mkdir, p, 448) -- 0700
      if not ok then error(string.format("store: %s: %s", self.url, tostring(err)), 0) end
      local fine, why = M.owned(p, "directory")
      if not fine then error(string.format("store: %s: %s", self.url, why), 0) end
    end
    self.checked = true
  end
  local lok, fd = pcall(core._lock, self.kv)
  if not lok then error(string.format("store: %s: %s", self.url, tostring(fd)), 0) end
  local res = table.pack(pcall(fn, self, ...))
  core._unlock(fd)
  if not res[1] then error(res[2], 0) end
  return table.unpack(res, 2, res.n)
end

function Store:read(key)
  local text, why, errno = core._read_file(self.kv .. "/" .. enc(key), MAX)
  if not text then
    if errno == 2 then return nil, 0 end
    error(string.format("store: %s: %s: %s", self.url, key, why), 0)
  end
  local rev, value = text:match("^(%d+)\n(.*)$")
  if not rev then error(string.format("store: %s: %s: not a store file", self.url, key), 0) end
  return value, tonumber(rev)
end

function Store:write(key, value)
  if type(value) ~= "string" then
    error(string.format("store: %s: %s: value must be a string, got %s", self.url, key, type(value)), 0)
  end
  local n = (tonumber((self:read("=rev"))) or 0) + 1
  local path = self.kv .. "/" .. enc(key)
  local ok, err = pcall(function()
    core._write_whole(self.kv .. "/" .. enc("=rev"), n .. "\n" .. n, 384)
    core._write_whole(path, n .. "\n" .. value, 384)
  end)
  if not ok then error(string.format("store: %s: %s", self.url, tostring(err)), 0) end
  return n
end

function Store:get(key)
  return self:locked(Store.read, key)
end

function Store:cas(key, rev, value)
  return self:locked(function()
    local _, cur = self:read(key)
    if cur ~= rev then return false end
    self:write(key, value)
    return true
  end)
end

function Store:put(key, value)
  self:locked(Store.write, key, value)
end

-- Every write goes through NAME.tmp and a rename, under the lock: a .tmp
-- seen while holding it is what a writer killed mid-write left.
local function unlink(self, name)
  local ok, err = pcall(core._unlink, self.kv .. "/" .. name)
  if not ok then error(string.format("store: %s: %s", self.url, tostring(err)), 0) end
end

-- Removes key and what a writer of it killed mid-write left.
function Store:del(key)
  self:locked(function()
    unlink(self, enc(key))
    unlink(self, enc(key) .. ".tmp")
  end)
end

-- Every half-written file (GC: one listing of the whole store; DEL
-- removes only its own keys' through del).
function Store:sweep()
  self:locked(function()
    local names, why = core._readdir(self.kv)
    if not names then error(string.format("store: %s: %s", self.url, why), 0) end
    for _, name in ipairs(names) do
      if name:find("%.tmp$") then unlink(self, name) end
    end
  end)
end

function Store:list(prefix)
  return self:locked(function()
    local names, why = core._readdir(self.kv)
    if not names then error(string.format("store: %s: %s", self.url, why), 0) end
    local out = {}
    for _, name in ipairs(names) do
      local key = dec(name)
      if key ~= "=rev" and not name:find("%.tmp$") and key:sub(1, #prefix) == prefix then
        out[key] = (self:read(key))
      end
    end
    return out
  end)
end

function Store:status()
  local ok, err = pcall(self.locked, self, function()
    core._write_whole(self.root .. "/status", "ok\n", 384)
  end)
  if ok then return true end
  return nil, tostring(err)
end

return M
