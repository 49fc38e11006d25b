-- Helpers for the network primitives' specs: iproute2 as the independent
-- witness (ip -j, parsed with dkjson), and a wipe that removes every
-- namespace and every link but lo from the sandbox after each test.
local T = require "spec.support.util"
local json = require "dkjson"
local assert = require "luassert"

local M = {}

-- True in the sandbox; otherwise marks the test pending and returns false
-- (the one helper: T.need_sandbox).
M.needs = T.need_sandbox

-- ip -j [-n ns] args... -> decoded JSON (a table), or raises with stderr.
function M.ip(args, ns)
  local cmd = "ip -j " .. (ns and ("-n " .. T.quote(ns) .. " ") or "") .. args
  local r = T.sh(cmd)
  assert.equal(0, r.code, cmd .. ": " .. r.err)
  if r.out:match("^%s*$") then return {} end
  return json.decode(r.out)
end

-- The link called name as ip reports it (with -d details), or nil.
function M.ip_link(name, ns)
  local r = T.sh("ip -j -d " .. (ns and ("-n " .. T.quote(ns) .. " ") or "") ..
    "link show dev " .. T.quote(name))
  if r.code ~= 0 then return nil end
  return json.decode(r.out)[1]
end

-- Names of the links ip sees in ns (nil: the sandbox's root), sorted.
function M.ip_link_names(ns)
  local names = {}
  for _, l in ipairs(M.ip("link show", ns)) do names[#names + 1] = l.ifname end
  table.sort(names)
  return names
end

-- "a.b.c.d/len" addresses ip sees on dev in ns.
function M.ip_addrs(dev, ns)
  local out = {}
  for _, l in ipairs(M.ip("addr show dev " .. T.quote(dev), ns)) do
    for _, a in ipairs(l.addr_info or {}) do out[#out + 1] = a["local"] .. "/" .. a.prefixlen end
  end
  return out
end

function M.has_flag(link, flag)
  for _, f in ipairs(link and link.flags or {}) do if f == flag then return true end end
  return false
end

function M.contains(list, value)
  for _, v in ipairs(list) do if v == value then return true end end
  return false
end

-- Names ip netns list shows.
function M.ip_netns()
  local names = {}
  for line in T.sh("ip netns list").out:gmatch("[^\n]+") do names[#names + 1] = line:match("^(%S+)") end
  return names
end

-- A shell command inside ns, through iproute2.
function M.in_ns(ns, cmd)
  return T.sh("ip netns exec " .. T.quote(ns) .. " " .. cmd)
end

-- Removes every namespace and every link but lo (sandbox only: it is
-- private to the suite), through iproute2 so a broken nsl cannot stop it.
function M.wipe()
  if not T.sandboxed() then return end
  T.sh("ip -all netns delete")
  T.sh("for l in $(ls /sys/class/net); do [ \"$l\" = lo ] || ip link del \"$l\"; done 2>/dev/null")
  T.sh("ip link set lo up")
end

-- What a test file must leave: no namespace, only lo.
function M.assert_clean()
  assert.same({}, M.ip_netns())
  assert.same({ "lo" }, M.ip_link_names())
end

-- Calls f(...) and returns the error object it raises (fails if none).
function M.err(f, ...)
  local ok, e = pcall(f, ...)
  assert.is_false(ok, "expected an error")
  return e
end

return M
