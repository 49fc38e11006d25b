-- nsl.ip: IPv4 and IPv6 address arithmetic for topologies (pure Lua).
--
--   parse("fd00::1/64")       -> prefix p, or nil and why
--   text(p [, with_len])      -> canonical text (RFC 5952 for IPv6)
--   canon("FD00:0::1/64")     -> "fd00::1/64", or nil and why
--   contains(net, p)          -> does prefix net hold p (same family)
--   same(p, q), compare(p, q) -> equality, order (IPv4 first)
--   host(net, n)              -> "fd00::n/64": the n-th address of net
--   network(p)                -> "fd00::/64"
--   subnet(net, len, k)       -> the k-th (from 0) /len inside net
--   family(p)                 -> "inet" or "inet6"
--
-- A parsed prefix is { family = 4 or 6, v6 = bool, hi =, lo =, len = }:
-- the address as 128 bits in two 64-bit Lua integers (IPv4 in the low 32
-- bits of lo, hi = 0), compared unsigned (math.ult).  len is nil for a
-- bare address parsed without a default.  IPv4 also has addr (= lo).
local M = {}

local function bits(p) return p.v6 and 128 or 32 end

-- The network mask of len bits within a family of `width` bits, as
-- (hi, lo).  Lua shifts of 64 or more give 0, which is what we want.
local function mask(len, width)
  if width == 32 then
    return 0, len == 0 and 0 or (0xffffffff << (32 - len)) & 0xffffffff
  end
  if len <= 64 then return len == 0 and 0 or (-1 << (64 - len)), 0 end
  return -1, -1 << (128 - len)
end

-- (hi, lo) + n for a non-negative integer n; also says whether it
-- carried out of 128 bits.
local function add(hi, lo, n)
  local l = lo + n
  local carry = math.ult(l, lo) and 1 or 0
  local h = hi + carry
  return h, l, carry == 1 and h == 0
end

local function prefixlen(s, max)
  if not s then return nil end
  if not s:match("^%d%d?%d?$") then return nil, "prefix length must be 0 to " .. max end
  local n = tonumber(s)
  if n > max then return nil, "prefix length must be 0 to " .. max end
  return n
end

local function parse4(s)
  local a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if not a then return nil, "not an IPv4 address" end
  local n = 0
  for _, o in ipairs({ a, b, c, d }) do
    if #o > 1 and o:sub(1, 1) == "0" then return nil, "octet '" .. o .. "' has a leading zero" end
    if #o > 3 or tonumber(o) > 255 then return nil, "octet above 255" end
    n = n * 256 + tonumber(o)
  end
  return n
end

-- The eight 16-bit groups of an IPv6 address, or nil and why.
local function groups6(s)
  if s:find("%", 1, true) then
    return nil, "zone id '" .. s:match("%%.*") .. "' is not allowed here (no scoped addresses)"
  end
  if s:find("[^%x:%.]") then return nil, "not an IPv6 address (only hex digits, ':' and '.')" end
  local head, tail = s, nil
  local dc = s:find("::", 1, true)
  if dc then
    if s:find("::", dc + 1, true) then return nil, "not an IPv6 address ('::' twice)" end
    head, tail = s:sub(1, dc - 1), s:sub(dc + 2)
  end
  local function split(part, last)
    local out = {}
    if part == "" then return out end
    local fields = {}
    for f in (part .. ":"):gmatch("([^:]*):") do fields[#fields + 1] = f end
    for i, f in ipairs(fields) do
      if last and i == #fields and f:find(".", 1, true) then
        local v4, why = parse4(f)
        if not v4 then return nil, "not an IPv6 address (embedded IPv4: " .. why .. ")" end
        out[#out + 1] = v4 >> 16
        out[#out + 1] = v4 & 0xffff
      elseif not f:match("^%x%x?%x?%x?$") then
        return nil, "not an IPv6 address (bad group '" .. f .. "')"
      else
        out[#out + 1] = tonumber(f, 16)
      end
    end
    return out
  end
  local h, why = split(head, not dc)
  if not h then return nil, why end
  local words = h
  if dc then
    local t
    t, why = split(tail, true)
    if not t then return nil, why end
    if #h + #t > 7 then return nil, "not an IPv6 address (too many groups)" end
    words = {}
    for _, w in ipairs(h) do words[#words + 1] = w end
    for _ = 1, 8 - #h - #t do words[#words + 1] = 0 end
    for _, w in ipairs(t) do words[#words + 1] = w end
  elseif #h ~= 8 then
    return nil, "not an IPv6 address (" .. #h .. " groups, not 8)"
  end
  return words
end

-- parse(text [, default_len]): an address with or without "/len".
function M.parse(s, default_len)
  if type(s) ~= "string" then return nil, "not a string" end
  local zone = s:match("%%[^/]*")
  if zone then return nil, "zone id '" .. zone .. "' is not allowed here (no scoped addresses)" end
  local addr, lentext = s:match("^([^/]*)/(.*)$")
  addr = addr or s
  local p
  if addr:find(":", 1, true) or addr:find("%", 1, true) then
    local w, why = groups6(addr)
    if not w then return nil, why end
    local hi = (w[1] << 48) | (w[2] << 32) | (w[3] << 16) | w[4]
    local lo = (w[5] << 48) | (w[6] << 32) | (w[7] << 16) | w[8]
    p = { family = 6, v6 = true, hi = hi, lo = lo }
  else
    local n, why = parse4(addr)
    if not n then return nil, why end
    p = { family = 4, v6 = false, hi = 0, lo = n, addr = n }
  end
  if lentext then
    local len, why = prefixlen(lentext, bits(p))
    if not len then return nil, why end
    p.len = len
  else
    p.len = default_len
  end
  return p
end

local function words(p)
  local hi, lo = p.hi, p.lo
  return { hi >> 48 & 0xffff, hi >> 32 & 0xffff, hi >> 16 & 0xffff, hi & 0xffff,
           lo >> 48 & 0xffff, lo >> 32 & 0xffff, lo >> 16 & 0xffff, lo & 0xffff }
end

local function dotted(n)
  return string.format("%d.%d.%d.%d", n >> 24 & 255, n >> 16 & 255, n >> 8 & 255, n & 255)
end

-- RFC 5952: lower case, no leading zeros, the longest run (first on a
-- tie) of two or more zero groups as "::", ::ffff:a.b.c.d for mapped.
local function text6(p)
  local w = words(p)
  if p.hi == 0 and (p.lo >> 32) == 0xffff then return "::ffff:" .. dotted(p.lo & 0xffffffff) end
  local best, blen, i = nil, 1, 1
  while i <= 8 do
    if w[i] == 0 then
      local j = i
      while j <= 8 and w[j] == 0 do j = j + 1 end
      if j - i > blen then best, blen = i, j - i end
      i = j
    else
      i = i + 1
    end
  end
  local function hex(a, b)
    local t = {}
    for k = a, b do t[#t + 1] = string.format("%x", w[k]) end
    return table.concat(t, ":")
  end
  if not best then return hex(1, 8) end
  return hex(1, best - 1) .. "::" .. hex(best + blen, 8)
end

function M.text(p, with_len)
  local s = p.v6 and text6(p) or dotted(p.lo)
  if with_len == false or not p.len then return s end
  return s .. "/" .. p.len
end

-- The canonical text of s, or nil and why.
function M.canon(s, with_len)
  local p, why = M.parse(s)
  if not p then return nil, why end
  return M.text(p, with_len)
end

function M.family(p) return p.v6 and "inet6" or "inet" end

function M.contains(net, p)
  if net.v6 ~= p.v6 then return false end
  local mh, ml = mask(net.len or bits(net), bits(net))
  return (net.hi & mh) == (p.hi & mh) and (net.lo & ml) == (p.lo & ml)
end

function M.same(p, q)
  return p.v6 == q.v6 and p.hi == q.hi and p.lo == q.lo
end

-- -1, 0 or 1: IPv4 before IPv6, then by address, then by length.
function M.compare(p, q)
  if p.v6 ~= q.v6 then return p.v6 and 1 or -1 end
  if p.hi ~= q.hi then return math.ult(p.hi, q.hi) and -1 or 1 end
  if p.lo ~= q.lo then return math.ult(p.lo, q.lo) and -1 or 1 end
  local a, b = p.len or bits(p), q.len or bits(q)
  return a < b and -1 or a > b and 1 or 0
end

local function base(net)
  local mh, ml = mask(net.len, bits(net))
  return net.hi & mh, net.lo & ml
end

-- How many addresses net holds, or math.huge when more than 2^62.
function M.size(net)
  local free = bits(net) - net.len
  return free > 62 and math.huge or 1 << free
end

-- The n-th host address of net as text with its length (n = 1 is network
-- + 1), or nil when net has no room for it.  IPv4 never hands out the
-- broadcast address; /31 and /32 (IPv6: /127 and /128) use all they have.
function M.host(net, n)
  if math.type(n) ~= "integer" or n < 1 then return nil end
  local width, size = bits(net), M.size(net)
  local p2p = net.len >= width - 1
  if p2p then
    if n > size then return nil end
    n = n - 1
  elseif n >= size - (net.v6 and 0 or 1) then
    return nil
  end
  local hi, lo = base(net)
  hi, lo = add(hi, lo, n)
  return M.text({ family = net.family, v6 = net.v6, hi = hi, lo = lo, len = net.len })
end

function M.network(p)
  local hi, lo = base(p)
  return M.text({ family = p.family, v6 = p.v6, hi = hi, lo = lo, len = p.len })
end

-- The k-th (from 0) subnet of length len inside net, as text; nil when
-- there is no such subnet.
function M.subnet(net, len, k)
  local width = bits(net)
  if len < net.len or len > width or k < 0 then return nil end
  if len - net.len < 62 and k >= 1 << (len - net.len) then return nil end
  local shift = width - len
  local dh, dl
  if width == 32 then dh, dl = 0, k << shift
  elseif shift >= 64 then dh, dl = k << (shift - 64), 0
  else dh, dl = shift == 0 and 0 or k >> (64 - shift), k << shift end
  local hi, lo = base(net)
  local l = lo + dl
  local h = hi + dh + (math.ult(l, lo) and 1 or 0)
  return M.text({ family = net.family, v6 = net.v6, hi = h, lo = l, len = len })
end

-- The address without its prefix length: "10.0.0.1/24" -> "10.0.0.1".
function M.bare(s)
  return (s:gsub("/%d+$", ""))
end

return M
