-- S1: a network namespace from scratch (LWN "Namespaces in operation, part 7").
-- Written step by step with the primitives, as the article does it with `ip`.
--
--      root namespace                 netns1
--   +----------------------+     +----------------------+
--   | veth0 10.1.1.2/24    |<--->| veth1 10.1.1.1/24    |
--   +----------------------+     | lo                   |
--                                +----------------------+
--
-- Run as root: nsl examples/s1_netns.lua  (make check runs it in a sandbox)
local check = require "nsl.check"

local function ping(ns, addr)
  local cmd = { "ping", "-c1", "-W5", addr }
  if ns then return ns_exec(ns, cmd, { capture = true }) end
  return spawn(cmd, { capture = true })
end

local ok, err = pcall(function()
  check.step("create the namespace netns1")
  ns_add("netns1")
  check.ok(ns_exists("netns1"), "netns1 is under /run/netns, where `ip netns` sees it")

  check.step("look inside: only lo, and it is DOWN")
  local links = link_list({ ns = "netns1" })
  check.eq(#links, 1, "one link")
  check.eq(links[1].name, "lo", "it is lo")
  check.eq(links[1].up, false, "lo is DOWN")
  local r = ping("netns1", "127.0.0.1")
  check.ok(not r.ok and r.stderr:find("Network is unreachable", 1, true),
    "ping 127.0.0.1 fails: Network is unreachable", r.stderr)

  check.step("bring lo up")
  link_set("lo", { up = true, ns = "netns1" })
  check.ok(ping("netns1", "127.0.0.1").ok, "ping 127.0.0.1 answers")

  check.step("a veth pair veth0/veth1, veth1 moved into netns1")
  veth_add("veth0", "veth1")
  link_set_ns("veth1", "netns1")
  addr_add("veth1", "10.1.1.1/24", { ns = "netns1" })
  link_set("veth1", { up = true, ns = "netns1" })
  addr_add("veth0", "10.1.1.2/24")
  link_set("veth0", { up = true })
  check.eq(link_get("veth1", { ns = "netns1" }).peer, "veth0", "veth1's peer is veth0")
  check.ok(ping("netns1", "10.1.1.2").ok, "netns1 pings the root namespace (10.1.1.2)")
  check.ok(ping(nil, "10.1.1.1").ok, "the root namespace pings netns1 (10.1.1.1)")

  check.step("netns1 has its own routing table")
  local routes = route_list({ ns = "netns1", family = "inet" })
  check.eq(#routes, 1, "one route")
  check.eq(routes[1] and routes[1].dst, "10.1.1.0/24", "the connected 10.1.1.0/24")
  print(nsl.pretty(routes))

  -- `ip link set veth1 netns 1` names init's namespace.  Under make check
  -- PID 1 is outside the sandbox, so this script names its own process,
  -- which lives in the namespace it started in.
  local f = assert(io.open("/proc/self/stat"))
  local me = f:read("n")
  f:close()
  check.step("move veth1 back by PID (ip link set veth1 netns " .. me .. ")")
  link_set_ns("veth1", me, { ns = "netns1" })
  check.ok(link_exists("veth1"), "veth1 is back in the root namespace")
  check.ok(not link_exists("veth1", { ns = "netns1" }), "and gone from netns1")
  print(nsl.pretty(link_list()))
end)

-- Teardown: whatever happened above.
if link_exists("veth0") then link_del("veth0") end
if ns_exists("netns1") then ns_del("netns1") end
if not ok then check.ok(false, "the script ran to its end", tostring(err)) end
check.ok(not ns_exists("netns1") and not link_exists("veth0"), "nothing left behind")
os.exit(check.finish())
