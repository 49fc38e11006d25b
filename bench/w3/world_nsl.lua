-- W3 "per-test world" through nsl.topology: K times client - router -
-- server (3 namespaces, 2 veth pairs, IPv4, forwarding on the router,
-- default routes), a socat echo service ready when port 7 listens, one
-- request from the client, then down.  The nsl side of w3/world_ip.sh.
-- Prints per world: world_ms up_ms exec_ms down_ms.
-- Usage (as root, inside spec/sandbox): nsl bench/w3/world_nsl.lua [K]
local K = tonumber(arg[1] or 20)

local function description(k)
  return {
    prefix = "w3n" .. k,
    namespaces = {
      c = { routes = { default = "r" } },
      r = { sysctl = { ["net.ipv4.ip_forward"] = 1 } },
      s = { routes = { default = "r" } },
    },
    links = {
      { "c", "r", subnet = "10.1.0.0/24", address = { c = "10.1.0.2/24", r = "10.1.0.1/24" } },
      { "r", "s", subnet = "10.2.0.0/24", address = { r = "10.2.0.1/24", s = "10.2.0.2/24" } },
    },
    services = {
      echo = { ns = "s", cmd = { "socat", "TCP-LISTEN:7,reuseaddr,fork", "SYSTEM:cat" },
               ready = { port = 7 } },
    },
  }
end

for k = 1, K do
  local t = nsl.topology(description(k))
  local t0 = now()
  t:up()
  local t1 = now()
  local r = t:exec("c", { "socat", "-T2", "-", "TCP:10.2.0.2:7" }, { stdin = "hi\n", capture = true })
  local t2 = now()
  assert(r.stdout == "hi\n", "world " .. k .. ": no echo: " .. tostring(r.stdout))
  t:down()
  local t3 = now()
  print(string.format("world_ms %.2f up_ms %.2f exec_ms %.2f down_ms %.2f",
    (t3 - t0) * 1e3, (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3))
  io.stdout:flush()
end
