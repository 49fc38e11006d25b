-- 200 VXLANs in a pod namespace, their underlay in a host namespace:
-- made there directly (vxlan_add with link_ns) against made in the host
-- and then moved (vxlan_add, link_set_ns).  Run inside spec/sandbox:
--   spec/sandbox ./nsl bench/linkns.lua [N]
local n = tonumber(arg and arg[1]) or 200

local function setup()
  ns_add("bh"); ns_add("bp")
  veth_add("u1", "u2", { ns = "bh" })
  addr_add("u1", "10.9.0.1/24", { ns = "bh" })
  link_set("u1", { ns = "bh", up = true })
end

local function teardown() ns_del("bp"); ns_del("bh"); sleep(0.5) end

local function run(direct)
  setup()
  local t0 = now()
  for i = 1, n do
    local name = "vx" .. i
    if direct then
      vxlan_add(name, i, { ns = "bh", link_ns = "bp", dev = "u1", remote = "10.9.0.2", port = 4789 })
    else
      vxlan_add(name, i, { ns = "bh", dev = "u1", remote = "10.9.0.2", port = 4789 })
      link_set_ns(name, "bp", { ns = "bh" })
    end
  end
  local dt = now() - t0
  assert(#link_list({ ns = "bp" }) == n + 1)
  teardown()
  return dt
end

for round = 1, 2 do
  local d, m = run(true), run(false)
  print(string.format("round %d, %d vxlans: link_ns %.3f s (%.3f ms each), add+link_set_ns %.3f s (%.3f ms each), ratio %.0f",
    round, n, d, 1000 * d / n, m, 1000 * m / n, m / d))
end
