-- nsl.cni.store_etcd: nsl-cni's store in etcd v3, over etcd's JSON
-- gateway (POST /v3/kv/range, put, txn, deleterange; keys and values
-- base64), one tcp_request per call: HTTP/1.0, so the server answers
-- without chunks and closes, and no program is run.
--
--   open("etcd://127.0.0.1:2379[/prefix]") -> store
--   s:get(key)            -> value | nil, rev  (rev: the key's mod_revision, 0 when absent)
--   s:cas(key, rev, val)  -> true | false      (rev 0: only if absent)
--   s:put(key, val)       s:del(key) (idempotent)
--   s:list(prefix)        -> { [key] = value }
--   s:status()            -> true | nil, reason
--
-- A path after the address ("/nsl") is a prefix put before every key
-- ("/nsl/" .. key) and taken
-- off the keys list returns, so several clusters can share one etcd.
-- A failed exchange raises "store: etcd://ADDR: <op> <key>: <reason>".
local core = require "nsl.core"
local json = require "nsl.json"

local M = {}

local TIMEOUT = 5	-- seconds for one exchange, connection included

-- base64 (RFC 4648, with padding), as etcd's gateway writes bytes
local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local enc, dec = {}, {}
for i = 1, 64 do
  enc[i - 1] = B64:sub(i, i)
  dec[B64:byte(i)] = i - 1
end

local function b64(s)
  local out, n = {}, #s
  for i = 1, n, 3 do
    local a, b, c = s:byte(i, i + 2)
    local v = (a << 16) | ((b or 0) << 8) | (c or 0)
    out[#out + 1] = enc[v >> 18] .. enc[(v >> 12) & 63]
      .. (b and enc[(v >> 6) & 63] or "=") .. (c and enc[v & 63] or "=")
  end
  return table.concat(out)
end
M.b64 = b64

local function unb64(s)
  s = s:gsub("[=%s]", "")
  local out, bits, acc = {}, 0, 0
  for i = 1, #s do
    local d = dec[s:byte(i)]
    if not d then error("not base64: " .. s:sub(i, i + 7), 0) end
    acc, bits = (acc << 6) | d, bits + 6
    if bits >= 8 then
      bits = bits - 8
      out[#out + 1] = string.char((acc >> bits) & 255)
    end
  end
  return table.concat(out)
end
M.unb64 = unb64

-- The key just after every key that starts with prefix (etcd's
-- range_end for a prefix); "\0" for the empty prefix: every key.
local function prefix_end(p)
  for i = #p, 1, -1 do
    local b = p:byte(i)
    if b < 255 then return p:sub(1, i - 1) .. string.char(b + 1) end
  end
  return "\0"
end

local Store = {}
Store.__index = Store

function Store:__tostring() return "<nsl-cni store " .. self.url .. ">" end

-- One POST of body (a table) to path; the decoded answer, or raises
-- naming op and key.
function Store:call(path, body, op, key)
  local text = json.encode(body)
  local req = table.concat({
    "POST ", path, " HTTP/1.0\r\nHost: ", self.addr,
    "\r\nContent-Type: application/json\r\nContent-Length: ", #text, "\r\n\r\n", text })
  local function fail(reason)
    error(("store: %s: %s%s: %s"):format(self.url, op, key and " " .. key or "", reason), 0)
  end
  local ok, res = pcall(core.tcp_request, self.addr, req, { timeout = self.timeout })
  if not ok then
    fail(type(res) == "table" and res.reason or tostring(res))
  end
  local code, rest = res:match("^HTTP/%d%.%d (%d+)[^\r\n]*\r\n(.*)$")
  local bodytext = rest and rest:match("\r\n\r\n(.*)$")
  if not code or not bodytext then fail("not an HTTP answer: " .. res:sub(1, 60)) end
  local dok, ans = pcall(json.decode, bodytext)
  if code ~= "200" then
    local msg = dok and type(ans) == "table" and (ans.message or ans.error) or bodytext:sub(1, 200)
    fail("HTTP " .. code .. ": " .. (tostring(msg):gsub("%s+$", "")))
  end
  if not dok or type(ans) ~= "table" then fail("bad JSON from etcd: " .. bodytext:sub(1, 200)) end
  return ans
end

local function rev_of(kv)
  return math.tointeger(tonumber(kv.mod_revision)) or 0
end

function Store:get(key)
  local ans = self:call("/v3/kv/range", { key = b64(self.prefix .. key) }, "get", key)
  local kv = ans.kvs and ans.kvs[1]
  if not kv then return nil, 0 end
  return unb64(kv.value or ""), rev_of(kv)
end

function Store:put(key, value)
  self:call("/v3/kv/put", { key = b64(self.prefix .. key), value = b64(value) }, "put", key)
  return true
end

-- Compare-and-swap in one transaction: the put is made only when the
-- key's mod_revision is still rev (rev 0: its create_revision is 0,
-- i.e. it does not exist).
function Store:cas(key, rev, value)
  rev = math.tointeger(rev)
  if not rev or rev < 0 then error("store: " .. self.url .. ": cas " .. key .. ": revision must be an integer >= 0", 2) end
  local k = b64(self.prefix .. key)
  local cmp = rev == 0 and { key = k, target = "CREATE", result = "EQUAL", create_revision = "0" }
    or { key = k, target = "MOD", result = "EQUAL", mod_revision = tostring(rev) }
  local ans = self:call("/v3/kv/txn", {
    compare = { cmp },
    success = { { request_put = { key = k, value = b64(value) } } },
  }, "cas", key)
  return ans.succeeded == true
end

function Store:del(key)
  self:call("/v3/kv/deleterange", { key = b64(self.prefix .. key) }, "del", key)
  return true
end

function Store:list(prefix)
  prefix = prefix or ""
  local full = self.prefix .. prefix
  local ans = self:call("/v3/kv/range", { key = b64(full == "" and "\0" or full),
    range_end = b64(prefix_end(full)) }, "list", prefix)
  local out, cut = {}, #self.prefix
  for _, kv in ipairs(ans.kvs or {}) do
    out[unb64(kv.key):sub(cut + 1)] = unb64(kv.value or "")
  end
  return out
end

-- true when etcd answers its status call, else nil and why.
function Store:status()
  local ok, err = pcall(self.call, self, "/v3/maintenance/status", {}, "status")
  if ok then return true end
  return nil, err
end

-- "etcd://HOST:PORT[/prefix]": HOST a numeric IPv4 or [IPv6] address,
-- or localhost.
local function parse(url)
  local rest = url:match("^etcd://(.+)$")
  if not rest then error("store: " .. url .. ": etcd://HOST:PORT expected", 0) end
  local hostport, path = rest:match("^([^/]+)(/.*)$")
  hostport = hostport or rest
  local host, port = hostport:match("^(%[[%x:.]+%]):(%d+)$")
  if not host then host, port = hostport:match("^([^:]+):(%d+)$") end
  if not host or not port then
    error("store: " .. url .. ": etcd://HOST:PORT expected (a port is needed)", 0)
  end
  if host == "localhost" then host = "127.0.0.1" end
  if not host:match("^%[") and not host:match("^%d+%.%d+%.%d+%.%d+$") then
    error("store: " .. url .. ": '" .. host .. "': a numeric address expected (names are not resolved)", 0)
  end
  path = path and path:gsub("/+$", "") or ""
  return host .. ":" .. port, path == "" and "" or path .. "/"
end

-- open(url), or open(rest, url) as nsl.cni.store calls it: a store;
-- nothing is sent yet.
function M.open(a, b)
  local url = type(b) == "string" and b:match("^etcd://") and b or a
  local addr, prefix = parse(url)
  return setmetatable({ url = url, addr = addr, prefix = prefix, timeout = TIMEOUT }, Store)
end

return M
