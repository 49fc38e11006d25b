-- S1: a network namespace from scratch (LWN "Namespaces in operation, part 7").
-- Written step by step with the primitives, as the article does it with `ip`.
--
--      root namespace                 netns1
--   +----------------------+     +----------------------+
--   | veth0 10.1.1.2/24    |<--->| veth1 10.1.1.1/24    |
--   | veth2 203.0.113.1/24 |     | lo                   |
--   | nft: masquerade      |     +----------------------+
--   +----------------------+     jail: only lo, a worker handed
--              |                 a connection its parent accepted
--   internet: eth0 203.0.113.2/24 (a namespace playing the outside)
--
-- Run as root: nsl examples/s1_netns.lua  (make check runs it in a sandbox)
local check = require "nsl.check"

local function ping(ns, addr, wait)
  local cmd = { "ping", "-c1", "-W" .. (wait or 5), addr }
  if ns then return ns_exec(ns, cmd, { capture = true }) end
  return spawn(cmd, { capture = true })
end

local forward -- the root namespace's ip_forward, restored at the end
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

  check.step("netns1 has its own, empty firewall; the root namespace's is untouched (S1.5)")
  local root_rules = nft_list()
  check.eq(nft_list({ ns = "netns1" }), "", "nft list ruleset in netns1 is empty")
  nft("add table inet s1\nadd chain inet s1 input { type filter hook input priority 0; }\n" ..
      "add rule inet s1 input icmp type echo-request drop", { ns = "netns1" })
  check.ok(not ping(nil, "10.1.1.1", 1).ok, "a DROP rule in netns1 stops the root's ping to it")
  check.ok(ping("netns1", "10.1.1.2").ok, "while netns1 still pings out")
  check.eq(nft_list(), root_rules, "the root namespace's rules are as they were")
  nft("delete table inet s1", { ns = "netns1" })

  check.step("a worker with only lo is handed a connection its parent accepted (S1.7)")
  ns_add("jail")
  local server <close> = listen("tcp", "127.0.0.1:18007")
  local client = spawn({ "socat", "-u", "TCP:127.0.0.1:18007", "STDOUT" }, { background = true, capture = true })
  local conn <close> = server:accept(10)
  check.ok(conn ~= nil, "the parent accepted a connection in the root namespace")
  local w = ns_exec("jail", "echo hello from the jail >&3; exec 3>&-; socat -u /dev/null TCP:10.1.1.2:80",
    { fds = { [3] = conn }, capture = true })
  conn:close()
  check.eq(client:wait(10).stdout, "hello from the jail\n", "the worker answered over the inherited fd 3")
  check.ok(w.stderr:find("Network is unreachable", 1, true), "its own connection fails: Network is unreachable",
    w.stderr)
  ns_del("jail")

  check.step("reach the outside: IP forwarding and masquerade in the root namespace (S1.8)")
  ns_add("internet")
  link_set("lo", { up = true, ns = "internet" })
  veth_add("veth2", "eth0", { peer_ns = "internet" })
  addr_add("veth2", "203.0.113.1/24")
  link_set("veth2", { up = true })
  addr_add("eth0", "203.0.113.2/24", { ns = "internet" })
  link_set("eth0", { up = true, ns = "internet" })
  route_add("default", { via = "10.1.1.2", ns = "netns1" })
  ns_exec("internet", { "socat", "TCP-LISTEN:7000,reuseaddr,fork", "SYSTEM:echo $SOCAT_PEERADDR" },
    { background = true })
  local function outside()
    for _ = 1, 50 do -- the server may still be starting
      local res = ns_exec("netns1", { "socat", "-T2", "-", "TCP:203.0.113.2:7000,connect-timeout=1" },
        { capture = true, stdin = "" })
      if res.ok or not res.stderr:find("refused", 1, true) then return res end
      sleep(0.05)
    end
  end
  forward = sysctl("net.ipv4.ip_forward")
  sysctl("net.ipv4.ip_forward", "0")
  check.ok(not outside().ok, "without forwarding netns1 cannot reach 203.0.113.2")
  sysctl("net.ipv4.ip_forward", "1")
  nft([[
add table inet nsl-s1
add chain inet nsl-s1 postrouting { type nat hook postrouting priority srcnat; }
add rule inet nsl-s1 postrouting ip saddr 10.1.1.0/24 oifname "veth2" masquerade
]])
  local r2 = outside()
  check.eq(r2.stdout, "203.0.113.1\n", "with forwarding and NAT it does, seen as the root's 203.0.113.1")
  print(nft_list())

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
if forward then sysctl("net.ipv4.ip_forward", forward) end
pcall(nft, "delete table inet nsl-s1")
for _, l in ipairs({ "veth0", "veth2" }) do if link_exists(l) then link_del(l) end end
for _, n in ipairs({ "netns1", "jail", "internet" }) do if ns_exists(n) then ns_del(n) end end
if not ok then check.ok(false, "the script ran to its end", tostring(err)) end
check.ok(not ns_exists("netns1") and not link_exists("veth0") and not ns_exists("internet")
  and not nft_list():find("nsl-s1", 1, true), "nothing left behind")
os.exit(check.finish())
