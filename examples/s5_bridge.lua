-- S5: a Docker-style bridge network.  Two namespaces hang off one bridge
-- in the root namespace; each pings the other through it, and the bridge.
-- Written as a topology description (nsl.topology).
--
-- Run as root: nsl examples/s5_bridge.lua
local check = require "nsl.check"

local t <close> = nsl.topology {
  prefix = "",                                          -- the article's names
  namespaces = { "ns0", "ns1" },                        -- lo comes up in each
  bridges = { br0 = { address = "192.168.2.1/24" } },   -- in the root namespace
  links = {
    { "ns0", "br0", name = { ns0 = "ceth0", br0 = "veth0" } },   -- 192.168.2.2
    { "ns1", "br0", name = { ns1 = "ceth1", br0 = "veth1" } },   -- 192.168.2.3
  },
}

check.step("build: bridge br0 with ns0 and ns1 attached")
print(t:diagram())
t:up()

local function ping(from, addr)
  return t:exec(from, { "ping", "-c1", "-W5", addr }, { capture = true }).ok
end

check.step("ping through the bridge")
check.eq(t:addr("ns0"), "192.168.2.2", "ns0 has 192.168.2.2")
check.eq(t:addr("ns1"), "192.168.2.3", "ns1 has 192.168.2.3")
check.ok(ping("ns0", "192.168.2.3"), "ns0 pings ns1")
check.ok(ping("ns1", "192.168.2.2"), "ns1 pings ns0")
check.ok(ping("ns0", "192.168.2.1"), "ns0 pings the bridge")
check.ok(ping("ns1", "192.168.2.1"), "ns1 pings the bridge")
check.eq(link_get("veth0").master, "br0", "veth0 is a port of br0")

check.step("what runs")
t:show()

check.step("tear down")
t:down()
check.ok(not ns_exists("ns0") and not ns_exists("ns1"), "ns0 and ns1 are gone")
check.ok(not link_exists("br0") and not link_exists("veth0"), "br0 and the veths are gone")
os.exit(check.finish())
