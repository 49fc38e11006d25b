-- nsl.cni.store: the shared store of nsl-cni, opened from its URL.
--
--   store.open(url) -> s       "dir:///path" (nsl.cni.store_dir: one
--                              machine, CI) or "etcd://HOST:PORT"
--                              (nsl.cni.store_etcd); raises "store: ..."
--
-- Every backend has the same methods; keys and values are strings, keys
-- "/"-separated under "<lab>/":
--
--   s:get(key)            -> value | nil, rev (0 when absent)
--   s:cas(key, rev, value) -> true | false   rev 0: create only if
--                              absent; else replace only if the key's
--                              revision is still rev
--   s:put(key, value)      s:del(key) (idempotent)
--   s:list(prefix)         -> { [key] = value }
--   s:status()             -> true | nil, reason
--
-- A backend is a module nsl.cni.store_<scheme> whose open(rest, url)
-- returns such an object (rest: the URL after "<scheme>://") or raises
-- "store: <url>: <reason>".
local M = {}

local SCHEMES = { dir = "nsl.cni.store_dir", etcd = "nsl.cni.store_etcd" }

function M.open(url)
  if type(url) ~= "string" then
    error("store: expected a URL string (dir:///path or etcd://HOST:PORT), got " .. type(url), 0)
  end
  local scheme, rest = url:match("^(%a[%w+.-]*)://(.*)$")
  local mod = scheme and SCHEMES[scheme]
  if not mod then
    error(string.format("store: %s: unknown store (expected dir:///path or etcd://HOST:PORT)", url), 0)
  end
  local ok, backend = pcall(require, mod)
  if not ok then
    if tostring(backend):find("module '" .. mod .. "' not found", 1, true) then
      error(string.format("store: %s: the %s backend is not in this nsl-cni", url, scheme), 0)
    end
    error(backend, 0)
  end
  return backend.open(rest, url)
end

return M
