-- W1 "star" through nsl.topology, the way users describe it: N namespaces,
-- each with lo up and eth0 (10.200.x.y/16) whose peer benchvI is a port of
-- br-bench in the root namespace.  One process builds and removes it RUNS
-- times (a topology lives in the process that made it) and prints, per run,
--   up_s <seconds>      t:up()
--   down_s <seconds>    t:down() until the kernel has removed every benchv link
-- Usage (as root, inside spec/sandbox): nsl bench/topo_w1.lua N [RUNS] [ipv6=false]
local n, runs = tonumber(arg[1]), tonumber(arg[2] or 1)
local extra = arg[3]
assert(n and n >= 1 and n <= 1023, "usage: nsl topo_w1.lua N (1..1023) [RUNS]")

local function description()
  local nss, links = {}, {}
  for i = 1, n do
    local ns = "benchns" .. i
    nss[i] = ns
    links[i] = { ns, "br-bench", name = { [ns] = "eth0", ["br-bench"] = "benchv" .. i },
                 address = { [ns] = string.format("10.200.%d.%d/16", i // 250, i % 250 + 1) } }
  end
  local d = { prefix = "", namespaces = nss, bridges = { ["br-bench"] = {} }, links = links }
  if extra == "ipv6=false" then d.ipv6 = false end
  return d
end

local function gone()
  for i = 1, n do
    while link_exists("benchv" .. i) do sleep(0.001) end
  end
  while link_exists("br-bench") do sleep(0.001) end
end

for _ = 1, runs do
  local t = nsl.topology(description())
  local t0 = now()
  t:up()
  local t1 = now()
  t:down()
  gone()
  local t2 = now()
  print(string.format("up_s %.4f", t1 - t0))
  print(string.format("down_s %.4f", t2 - t1))
  io.stdout:flush()
end
