-- nsl.ip: IPv4 address arithmetic for topologies (pure Lua).
--
--   parse("10.0.0.1/24")      -> { addr = <int>, len = 24 } or nil, why
--   contains(net, addr)       -> does the prefix net hold addr (both parsed)
--   host(net, n)              -> "10.0.0.n/24": the n-th address of net
--   network(p)                -> "10.0.0.0/24"
--   text(p)                   -> "10.0.0.1/24"
--
-- IPv6 addresses parse as { v6 = true, text = ... }: nsl passes them
-- through but cannot hand them out from a subnet or check containment.
local M = {}

local function to_int(a, b, c, d)
  return ((a * 256 + b) * 256 + c) * 256 + d
end

local function dotted(n)
  return string.format("%d.%d.%d.%d", n >> 24 & 255, n >> 16 & 255, n >> 8 & 255, n & 255)
end

local function mask(len)
  if len == 0 then return 0 end
  return (0xffffffff << (32 - len)) & 0xffffffff
end

-- parse(text [, default_len]): an address with or without "/len".
function M.parse(s, default_len)
  if type(s) ~= "string" then return nil, "not a string" end
  if s:find(":", 1, true) then
    return { v6 = true, text = s }
  end
  local a, b, c, d, len = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)/(%d+)$")
  if not a then
    a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
    len = default_len
  end
  if not a then return nil, "not an IPv4 address" end
  a, b, c, d, len = tonumber(a), tonumber(b), tonumber(c), tonumber(d), tonumber(len)
  if a > 255 or b > 255 or c > 255 or d > 255 then return nil, "octet above 255" end
  if len and len > 32 then return nil, "prefix length above 32" end
  return { addr = to_int(a, b, c, d), len = len }
end

function M.contains(net, p)
  if net.v6 or p.v6 then return true end
  local m = mask(net.len)
  return (net.addr & m) == (p.addr & m)
end

function M.same(p, q)
  if p.v6 or q.v6 then return p.text == q.text end
  return p.addr == q.addr
end

-- The n-th host address of net (n = 1 is network + 1), or nil when the
-- subnet has no room for it (the broadcast address is never handed out).
function M.host(net, n)
  if net.v6 then return nil end
  local size = 1 << (32 - net.len)
  if net.len < 31 and n >= size - 1 then return nil end
  if net.len >= 31 and n > size then return nil end
  local base = net.addr & mask(net.len)
  if net.len >= 31 then n = n - 1 end
  return dotted(base + n) .. "/" .. net.len
end

function M.network(p)
  if p.v6 then return p.text end
  return dotted(p.addr & mask(p.len)) .. "/" .. p.len
end

function M.text(p, with_len)
  if p.v6 then return p.text end
  if with_len == false or not p.len then return dotted(p.addr) end
  return dotted(p.addr) .. "/" .. p.len
end

-- The address without its prefix length: "10.0.0.1/24" -> "10.0.0.1".
function M.bare(s)
  return (s:gsub("/%d+$", ""))
end

return M
