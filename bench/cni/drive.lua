-- bench/cni/drive.lua: nsl-cni as a runtime drives it, timed; inside
-- spec/sandbox only (bench/cni/run.sh).
--
--   nsl bench/cni/drive.lua WORKDIR TOPO.lua N H [PHASES]
--
-- H simulated hosts: a namespace hK each, its eth0 on the underlay bridge
-- "ul" (192.168.0.K/24); N pods: a namespace pI each, as a runtime makes
-- them.  The plugin is run once per pod and command, from inside its
-- host's network namespace (setns only, as a runtime's process is there),
-- with the CNI environment and the config on stdin.  Phases (default all):
--   floor   exec of /bin/true the same way: what any exec plugin costs
--   bridge  the reference bridge plugin (host-local IPAM) ADD then DEL
--   cni     nsl-cni ADD of every pod, pings, DEL of every pod, GC per host
--   kernel  the same links made by nsl's primitives in one process: the
--           kernel's share of an ADD
-- Prints one line per figure: "name total_s per_ms median_ms p95_ms".
local dir, topo, N, H = arg[1], arg[2], tonumber(arg[3]), tonumber(arg[4])
local phases = {}
for p in (arg[5] or "floor bridge cni kernel"):gmatch("%S+") do phases[p] = true end
local json = require "nsl.json"
local per = math.ceil(N / H)
local CNI = os.getenv("NSL_CNI") or "./nsl-cni"

local function host_of(i) return (i - 1) // per + 1 end

local function report(name, times, extra)
  local sum = 0
  for _, t in ipairs(times) do sum = sum + t end
  table.sort(times)
  local function q(f) return times[math.max(1, math.ceil(#times * f))] * 1000 end
  print(("%-24s total %7.2f s  per %6.2f ms  median %6.2f ms  p95 %6.2f ms  (%d calls)%s"):format(
    name, sum, sum / #times * 1000, q(0.5), q(0.95), #times, extra or ""))
  io.stdout:flush()
  return sum
end

-- the world: underlay bridge, hosts, pods
local t0 = now()
bridge_add("ul")
link_set("ul", { up = true })
for k = 1, H do
  local h = "h" .. k
  ns_add(h)
  link_set("lo", { ns = h, up = true })
  veth_add("ulh" .. k, "eth0", { peer_ns = h })
  link_set("ulh" .. k, { master = "ul", up = true })
  addr_add("eth0", "192.168.0." .. k .. "/24", { ns = h })
  link_set("eth0", { ns = h, up = true })
end
for i = 1, N do ns_add("p" .. i) end
print(("world: %d hosts, %d pods in %.2f s"):format(H, N, now() - t0))

local function exec_in(k, argv, env, stdin)
  return ns_exec("h" .. k, argv, { mount = false, env = env, stdin = stdin or false, capture = true })
end

local function env_for(cmd, i, ifname)
  return { CNI_COMMAND = cmd, CNI_CONTAINERID = "c" .. i, CNI_NETNS = "/run/netns/p" .. i,
    CNI_IFNAME = ifname, CNI_ARGS = "IgnoreUnknown=1;K8S_POD_NAME=n" .. i, CNI_PATH = "/usr/lib/cni" }
end

local function timed(k, argv, env, stdin, what)
  local s = now()
  local r = exec_in(k, argv, env, stdin)
  local dt = now() - s
  if r.code ~= 0 then
    error(("%s: exit %s: %s %s"):format(what, tostring(r.code), r.stdout or "", r.stderr or ""), 0)
  end
  return dt, r
end

if phases.floor then
  local ts = {}
  for i = 1, N do ts[i] = timed(host_of(i), { "/bin/true" }, {}, nil, "true") end
  report("exec floor (/bin/true)", ts)
  ts = {}
  for i = 1, math.min(N, 200) do
    ts[i] = timed(host_of(i), { CNI }, { CNI_COMMAND = "VERSION" }, '{"cniVersion":"1.0.0"}', "VERSION")
  end
  report("nsl-cni VERSION", ts)
end

if phases.bridge then
  local function conf(k)
    return json.encode({ cniVersion = "1.0.0", name = "ref", type = "bridge", bridge = "cni0",
      isGateway = true, ipam = { type = "host-local", dataDir = dir .. "/ipam" .. k,
        ranges = { { { subnet = "10.88." .. k .. ".0/24" } } } } })
  end
  local add, del = {}, {}
  for i = 1, N do
    local k = host_of(i)
    add[i] = timed(k, { "/usr/lib/cni/bridge" }, env_for("ADD", i, "ref0"), conf(k), "bridge ADD p" .. i)
  end
  report("bridge ADD", add)
  for i = 1, N do
    local k = host_of(i)
    del[i] = timed(k, { "/usr/lib/cni/bridge" }, env_for("DEL", i, "ref0"), conf(k), "bridge DEL p" .. i)
  end
  report("bridge DEL", del)
  for k = 1, H do pcall(link_del, "cni0", { ns = "h" .. k }) end
end

local function cni_conf(k, extra)
  local c = { cniVersion = "1.1.0", name = "bench", type = "nsl-cni", lab = "bench",
    store = "dir://" .. dir .. "/store", topology = topo, host = "h" .. k,
    underlay = { dev = "eth0", ["local"] = "192.168.0." .. k },
    vxlan = { port = 4789, vniBase = 5000, mtu = 1450 } }
  for key, v in pairs(extra or {}) do c[key] = v end
  return json.encode(c)
end

if phases.cni then
  local add, del, gc = {}, {}, {}
  local confs = {}
  for k = 1, H do confs[k] = cni_conf(k) end
  -- a pod whose cross-host peer's host has not registered its underlay
  -- address yet gets code 11 (try again): a runtime retries it later,
  -- so does this loop; the failed tries count in the total
  local queue, tries, again = {}, 0, 0
  for i = 1, N do queue[i] = i end
  while #queue > 0 do
    local later = {}
    for _, i in ipairs(queue) do
      local s = now()
      local r = exec_in(host_of(i), { CNI }, env_for("ADD", i, "eth0"), confs[host_of(i)])
      tries = tries + 1
      add[#add + 1] = now() - s
      if r.code == 11 then
        later[#later + 1] = i
        again = again + 1
      elseif r.code ~= 0 then
        error(("nsl-cni ADD n%d: exit %s: %s %s"):format(i, tostring(r.code), r.stdout, r.stderr), 0)
      end
    end
    queue = later
  end
  local total = report("nsl-cni ADD", add, (" (%d tried again after code 11)"):format(again))
  -- the links work: a same-host and a cross-host one, first end to second
  local text = io.open(topo):read("a")
  local checked = 0
  for a, b, net in text:gmatch('"n(%d+):eth%d+", "n(%d+):eth%d+", subnet = { "(%d+%.%d+%.%d+%.)(%d+)/30"') do
    local ia, ib = tonumber(a), tonumber(b)
    local cross = host_of(ia) ~= host_of(ib)
    if (cross and checked & 1 == 0) or (not cross and checked & 2 == 0) then
      local last = tonumber(text:match('"n' .. a .. ':eth%d+", "n' .. b .. ':eth%d+", subnet = { "%d+%.%d+%.%d+%.(%d+)/30'))
      local r = ns_exec("p" .. ia, "ping -c1 -W2 " .. net .. (last + 2), { mount = false, capture = true })
      print(("ping %s link n%d -> n%d: %s"):format(cross and "cross-host" or "same-host", ia, ib,
        r.code == 0 and "ok" or "FAILED"))
      checked = checked | (cross and 1 or 2)
    end
    if checked == 3 then break end
  end
  for i = 1, N do
    del[i] = timed(host_of(i), { CNI }, env_for("DEL", i, "eth0"), confs[host_of(i)], "nsl-cni DEL n" .. i)
  end
  local dtotal = report("nsl-cni DEL", del)
  for k = 1, H do
    local c = cni_conf(k, { ["cni.dev/valid-attachments"] = json.array({}) })
    gc[k] = timed(k, { CNI }, { CNI_COMMAND = "GC", CNI_PATH = "/usr/lib/cni" }, c, "nsl-cni GC h" .. k)
  end
  local gtotal = report("nsl-cni GC", gc)
  print(("nsl-cni DEL+GC total %.2f s; ADD total %.2f s"):format(dtotal + gtotal, total))
  local left = 0
  for i = 1, N do left = left + #link_list({ ns = "p" .. i }) - 1 end
  print(("links left in pods after DEL: %d"):format(left))
end

if phases.kernel then
  -- each link of the topology made whole by primitives: what the kernel
  -- does for all ADDs, without processes, config, topology or store
  local text = io.open(topo):read("a")
  local s, n, vni = now(), 0, 5000
  for a, ea, b, eb, net, last in text:gmatch('"n(%d+):(eth%d+)", "n(%d+):(eth%d+)", subnet = { "(%d+%.%d+%.%d+%.)(%d+)/30"') do
    local ia, ib = tonumber(a), tonumber(b)
    local pa, pb = "p" .. a, "p" .. b
    if host_of(ia) == host_of(ib) then
      veth_add(ea, eb, { ns = pa, peer_ns = pb })
    else
      vni = vni + 1
      vxlan_add(ea, vni, { ns = "h" .. host_of(ia), link_ns = pa, dev = "eth0",
        ["local"] = "192.168.0." .. host_of(ia), remote = "192.168.0." .. host_of(ib) })
      vxlan_add(eb, vni, { ns = "h" .. host_of(ib), link_ns = pb, dev = "eth0",
        ["local"] = "192.168.0." .. host_of(ib), remote = "192.168.0." .. host_of(ia) })
    end
    addr_add(ea, net .. (tonumber(last) + 1) .. "/30", { ns = pa })
    addr_add(eb, net .. (tonumber(last) + 2) .. "/30", { ns = pb })
    link_set(ea, { ns = pa, up = true })
    link_set(eb, { ns = pb, up = true })
    n = n + 1
  end
  local kt = now() - s
  print(("kernel work (primitives, one process) total %.2f s for %d links: %.2f ms per pod"):format(kt, n, kt / N * 1000))
  -- and their removal, one request per link end (a veth takes its peer)
  s = now()
  for a, ea, b, eb in text:gmatch('"n(%d+):(eth%d+)", "n(%d+):(eth%d+)"') do
    link_del(ea, { ns = "p" .. a })
    if host_of(tonumber(a)) ~= host_of(tonumber(b)) then link_del(eb, { ns = "p" .. b }) end
  end
  local dt = now() - s
  print(("kernel removal (primitives, one process) total %.2f s: %.2f ms per pod"):format(dt, dt / N * 1000))
end
