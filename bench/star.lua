-- W1 "star" with nsl's primitives (the nsl peer of the benchmarks):
--   nsl star.lua setup N          br-bench + benchns1..N, each with lo up and
--                                 eth0 (10.200.x.y/16, up), whose peer benchvI
--                                 is a port of br-bench, up
--   nsl star.lua teardown N [-q]  delete the namespaces and br-bench, then wait
--                                 until the kernel has removed every benchvI
--                                 (-q: return at once)
-- One veth_add per namespace makes both ends (the peer directly inside it,
-- enslaved and up in the same request), as raw_limit does.  A Linux bridge
-- takes at most 1024 ports: past N = 1000 the ports go to br-bench2,
-- br-bench3... (raw_limit stops at 1023).
local cmd, n, flag = arg[1], tonumber(arg[2]), arg[3]
local PER_BRIDGE = 1000

local function bridge(k) return k == 1 and "br-bench" or "br-bench" .. k end

if cmd == "setup" then
  for k = 1, (n + PER_BRIDGE - 1) // PER_BRIDGE do bridge_add(bridge(k), { up = true }) end
  for i = 1, n do
    local ns = "benchns" .. i
    ns_add(ns)
    veth_add("benchv" .. i, "eth0", { peer_ns = ns, master = bridge((i - 1) // PER_BRIDGE + 1), up = true })
    link_set("lo", { up = true, ns = ns })
    link_set("eth0", { up = true, ns = ns })
    addr_add("eth0", string.format("10.200.%d.%d/16", i // 250, i % 250 + 1), { ns = ns })
  end
elseif cmd == "teardown" then
  for i = 1, n do ns_del("benchns" .. i) end
  for k = 1, (n + PER_BRIDGE - 1) // PER_BRIDGE do link_del(bridge(k)) end
  if flag ~= "-q" then
    -- netns destruction is asynchronous: the root ends go when the kernel
    -- has processed them
    local i = 1
    while i <= n do
      if link_exists("benchv" .. i) then sleep(0.001) else i = i + 1 end
    end
  end
else
  io.stderr:write("usage: nsl star.lua setup N | teardown N [-q]\n")
  os.exit(2)
end
