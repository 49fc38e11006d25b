-- An FRR OSPF ring: r1-r2-r3-r4-r1, h1 behind r1, h2 behind r3, zebra + ospfd + ospf6d on each
-- router (Debian's frr: make deps-frr), each router with its own /etc/frr and /var/run/frr.
-- Run as root from the source tree: busted --lua=./nsl examples/frr/ring_spec.lua
local nt = require "nsl.test"
local FRR = "/usr/lib/frr/"
local function ring()
  local d = { namespaces = { h1 = { routes = { default = "r1" } }, h2 = { routes = { default = "r3" } } },
              links = { { "h1", "r1", subnet = { "192.168.1.0/24", "fd00:1::/64" } },
                        { "h2", "r3", subnet = { "192.168.3.0/24", "fd00:3::/64" } } }, services = {} }
  for i = 1, 4 do
    local j = i % 4 + 1
    d.links[#d.links + 1] = { "r" .. i, "r" .. j, subnet = { "10.0." .. i .. j .. ".0/24", "fd00:" .. i .. j .. "::/64" } }
  end
  for i = 1, 4 do
    local r, ifs = "r" .. i, ""
    for k = 0, 2 do
      ifs = ifs .. ("interface ethK\n ip ospf hello-interval 1\n ip ospf dead-interval 3\n ipv6 ospf6 area 0\n" ..
        " ipv6 ospf6 hello-interval 1\n ipv6 ospf6 dead-interval 3\n"):gsub("K", k)
    end
    local conf = "hostname " .. r .. "\n" .. ifs .. "router ospf\n ospf router-id 10.255.0." .. i ..
      "\n timers throttle spf 0 50 500\n network 0.0.0.0/0 area 0\nrouter ospf6\n ospf6 router-id 10.255.0." .. i .. "\n"
    local frr = { owner = "frr", group = "frr", mode = "0755" }
    d.namespaces[r] = { forwarding = true, private = { ["/var/run/frr"] = frr, ["/var/lib/frr"] = frr, ["/var/log/frr"] = frr },
      files = { ["/etc/frr/frr.conf"] = { content = conf, owner = "frr", group = "frr", mode = "0640" } } }
    for _, daemon in ipairs({ "zebra", "ospfd", "ospf6d" }) do
      d.services[r .. "_" .. daemon] = { ns = r, restart = "on-failure", after = daemon ~= "zebra" and r .. "_zebra" or nil,
        cmd = { FRR .. daemon, "-f", "/etc/frr/frr.conf", "-A", "127.0.0.1" },
        ready = { unix = "/var/run/frr/" .. (daemon == "zebra" and "zserv.api" or daemon .. ".vty") } }
    end
  end
  return d
end
describe("an FRR OSPF ring #frr", function()
  if not io.open(FRR .. "ospf6d") then pending("frr is not installed (make deps-frr)") return end
  local w = nt.world(ring(), { scope = "file" })
  local function path_ok() -- h1 reaches h2 over IPv4 and IPv6
    return w:exec("h1", { "ping", "-c1", "-W1", w:addr("h2") }).ok
      and w:exec("h1", { "ping", "-6", "-c1", "-W1", w:addr("h2", nil, "inet6") }).ok
  end
  it("converges: every router learns the far hosts' networks", function()
    for i = 1, 4 do w:wait_route("r" .. i, "192.168.3.0/24", { timeout = 30 }) end
    w:wait_route("r1", "fd00:3::/64", { timeout = 30 })
    nt.eventually(path_ok, { timeout = 10 })
  end)
  it("survives a link cut: traffic goes the other way round", function()
    w:link_down("r1", "r2")
    nt.eventually(function() return path_ok() and w:wait_route("r1", "10.0.23.0/24").dev == "eth2" end, { timeout = 15 })
    w:link_up("r1", "r2")
  end)
  it("survives a daemon restart", function()
    w:restart("r2_ospfd")
    w:service("r3_ospfd"):kill("KILL") -- restart = "on-failure" brings it back
    for _, r in ipairs({ "r2", "r3" }) do -- both neighbours Full again (vtysh sees the node's own /var/run/frr)
      local function full() return select(2, w:exec(r, { "vtysh", "-c", "show ip ospf neighbor" }).stdout:gsub("Full", "")) end
      nt.eventually(function() return full() == 2 end, { timeout = 20 })
    end
    nt.eventually(path_ok, { timeout = 10 })
  end)
end)
