-- bench/cni/drive.lua: nsl-cni as a runtime drives it, timed; inside
-- spec/sandbox only (bench/cni/run.sh).
--
--   nsl bench/cni/drive.lua WORKDIR TOPO.lua N H [PHASES]
--   nsl bench/cni/drive.lua WORKDIR TOPO.lua N H worker VERB K STORE
--                           (internal: one host's calls, see "concurrent")
--
-- H simulated hosts: a namespace hK each, its eth0 on the underlay bridge
-- "ul" (192.168.0.K/24); N pods: a namespace pI each, as a runtime makes
-- them.  The plugin is run once per pod and command, from inside its
-- host's network namespace (setns only, as a runtime's process is there),
-- with the CNI environment and the config on stdin.  Phases (default all):
--   floor   exec of /bin/true the same way: what any exec plugin costs
--   bridge  the reference bridge plugin (host-local IPAM) ADD then DEL
--   cni     nsl-cni, serially: STATUS per host (as a runtime calls it
--           before any pod), ADD of every pod, pings, DEL of every pod, GC
--   concurrent  the same with the hosts at work at once, as a cluster's
--           are: one process per host (its kubelet) making that host's
--           calls one after the other; totals are wall time for all hosts
--   kernel  the same links made by nsl's primitives in one process: the
--           kernel's share of an ADD; their removal serially, then one
--           process per host at once
-- Prints one line per figure: "name total_s per_ms median_ms p95_ms".
local dir, topo, N, H = arg[1], arg[2], tonumber(arg[3]), tonumber(arg[4])
local phases = {}
for p in (arg[5] or "floor bridge cni concurrent kernel"):gmatch("%S+") do phases[p] = true end
local json = require "nsl.json"
local per = math.ceil(N / H)
local CNI = os.getenv("NSL_CNI") or "./nsl-cni"

local function host_of(i) return (i - 1) // per + 1 end

local function pods_of(k)
  local t = {}
  for i = (k - 1) * per + 1, math.min(k * per, N) do t[#t + 1] = i end
  return t
end

-- Each simulated host has its own /run, as a machine has: its lock and
-- its topology cache (the store is shared, as an etcd would be).
local function host_env(k, env)
  env.NSL_CNI_LOCK_DIR = "/run/nsl-cni-bench/h" .. k .. "/lock"
  env.NSL_CNI_CACHE_DIR = "/run/nsl-cni-bench/h" .. k .. "/cache"
  return env
end

local function env_for(cmd, i, ifname)
  return host_env(host_of(i), { CNI_COMMAND = cmd, CNI_CONTAINERID = "c" .. i, CNI_NETNS = "/run/netns/p" .. i,
    CNI_IFNAME = ifname, CNI_ARGS = "IgnoreUnknown=1;K8S_POD_NAME=n" .. i, CNI_PATH = "/usr/lib/cni" })
end

local function cni_conf(k, store, extra)
  local c = { cniVersion = "1.1.0", name = "bench", type = "nsl-cni", lab = "bench",
    store = "dir:///run/nsl-cni-bench/" .. store, topology = topo, host = "h" .. k,
    underlay = { dev = "eth0", ["local"] = "192.168.0." .. k },
    vxlan = { port = 4789, vniBase = 5000, mtu = 1450 } }
  for key, v in pairs(extra or {}) do c[key] = v end
  return json.encode(c)
end

local function exec_in(k, argv, env, stdin)
  return ns_exec("h" .. k, argv, { mount = false, env = env, stdin = stdin or false, capture = true })
end

-- With NSL_CNI_PROFILE set, the plugin's phases (its stderr line
-- "nsl-cni profile: VERB phase=ms ...") summed per verb and phase.
local prof = {}
local function profile(text)
  local verb, rest = (text or ""):match("nsl%-cni profile: (%u+) ([^\n]*)")
  if not verb then return end
  local p = prof[verb] or { n = 0, sum = {}, order = {} }
  prof[verb] = p
  p.n = p.n + 1
  for k, v in rest:gmatch("(%w+)=([%d.]+)") do
    if not p.sum[k] then p.sum[k] = 0; p.order[#p.order + 1] = k end
    p.sum[k] = p.sum[k] + tonumber(v)
  end
end

local function profile_report()
  for verb, p in pairs(prof) do
    local out = {}
    for _, k in ipairs(p.order) do out[#out + 1] = ("%s %.2f"):format(k, p.sum[k] / p.n) end
    print(("profile %s (mean ms of %d calls; veth/vxlan: per call, summed over its links): %s"):format(verb, p.n,
      table.concat(out, ", ")))
  end
  prof = {}
end

-- Host k's calls of verb for its pods, one after the other, a pod
-- answered code 11 tried again after the others (as a runtime retries);
-- returns each call's { seconds, code }.
local function host_calls(k, verb, conf)
  local out, queue = {}, pods_of(k)
  while #queue > 0 do
    local later = {}
    for _, i in ipairs(queue) do
      local s = now()
      local r = exec_in(k, { CNI }, env_for(verb, i, "eth0"), conf)
      out[#out + 1] = { now() - s, r.code }
      profile(r.stderr)
      if r.code == 11 then later[#later + 1] = i
      elseif r.code ~= 0 then
        error(("nsl-cni %s n%d: exit %s: %s %s"):format(verb, i, tostring(r.code), r.stdout, r.stderr), 0)
      end
    end
    queue = later
  end
  return out
end

-- A worker: host K's calls of VERB (ADD, DEL, or kdel: the kernel
-- removal of its pods' links by primitives, a pod's group at a time); writes "seconds code" per
-- call to WORKDIR/res-VERB-K.
if arg[5] == "worker" then
  local verb, k, store = arg[6], tonumber(arg[7]), arg[8]
  local out = {}
  if verb == "kdel" then
    local s = now()
    for _, i in ipairs(pods_of(k)) do pcall(link_del, { group = i, ns = "p" .. i }) end
    out[1] = { now() - s, 0 }
  else
    out = host_calls(k, verb, cni_conf(k, store))
  end
  local f = assert(io.open(dir .. "/res-" .. verb .. "-" .. k, "w"))
  for _, c in ipairs(out) do f:write(("%.6f %d\n"):format(c[1], c[2])) end
  f:close()
  os.exit(0)
end

-- One worker per host at once; returns the wall time, every call's
-- seconds and the number of code-11 answers.
local function concurrent(verb, store)
  local s, hs = now(), {}
  for k = 1, H do
    hs[k] = spawn({ arg[-1], arg[0], dir, topo, tostring(N), tostring(H), "worker", verb, tostring(k),
      store or "-" }, { background = true })
  end
  for k = 1, H do
    local r = hs[k]:wait()
    if r.code ~= 0 then error(verb .. " worker h" .. k .. ": exit " .. tostring(r.code), 0) end
  end
  local wall, ts, again = now() - s, {}, 0
  for k = 1, H do
    for line in io.lines(dir .. "/res-" .. verb .. "-" .. k) do
      local t, c = line:match("^(%S+) (%S+)$")
      ts[#ts + 1] = tonumber(t)
      if c == "11" then again = again + 1 end
    end
  end
  return wall, ts, again
end

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

-- the links work: a same-host and a cross-host one, first end to second
local function pings()
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
end

local function left()
  local n = 0
  for i = 1, N do n = n + #link_list({ ns = "p" .. i }) - 1 end
  print(("links left in pods after DEL: %d"):format(n))
end

local function status_and_gc(store, verb)
  local ts = {}
  for k = 1, H do
    local c = cni_conf(k, store, verb == "GC" and { ["cni.dev/valid-attachments"] = json.array({}) } or nil)
    ts[k] = timed(k, { CNI }, host_env(k, { CNI_COMMAND = verb, CNI_PATH = "/usr/lib/cni" }), c, "nsl-cni " .. verb .. " h" .. k)
  end
  return ts
end

if phases.cni then
  report("nsl-cni STATUS", status_and_gc("store-serial", "STATUS"))
  local add, del, again = {}, {}, 0
  for k = 1, H do
    for _, c in ipairs(host_calls(k, "ADD", cni_conf(k, "store-serial"))) do
      add[#add + 1] = c[1]
      if c[2] == 11 then again = again + 1 end
    end
  end
  local total = report("nsl-cni ADD (serial)", add, (" (%d tried again after code 11)"):format(again))
  pings()
  for k = 1, H do
    for _, c in ipairs(host_calls(k, "DEL", cni_conf(k, "store-serial"))) do del[#del + 1] = c[1] end
  end
  local dtotal = report("nsl-cni DEL (serial)", del)
  local gtotal = report("nsl-cni GC (serial)", status_and_gc("store-serial", "GC"))
  print(("nsl-cni serial: ADD total %.2f s; DEL+GC total %.2f s"):format(total, dtotal + gtotal))
  left()
  profile_report()
end

if phases.concurrent then
  status_and_gc("store-conc", "STATUS")
  local wall, ts, again = concurrent("ADD", "store-conc")
  report("nsl-cni ADD (concurrent)", ts, (" wall %.2f s (%d tried again after code 11)"):format(wall, again))
  pings()
  local dwall, dts = concurrent("DEL", "store-conc")
  report("nsl-cni DEL (concurrent)", dts, (" wall %.2f s"):format(dwall))
  local g0 = now()
  status_and_gc("store-conc", "GC")
  local gwall = now() - g0
  print(("nsl-cni concurrent: ADD wall %.2f s; DEL+GC wall %.2f s"):format(wall, dwall + gwall))
  left()
end

if phases.kernel then
  -- each link of the topology made whole by primitives: what the kernel
  -- does for all ADDs, without processes, config, topology or store;
  -- grouped: each end in its pod's link group (the pod's number), as
  -- nsl-cni groups a pod's ends
  local text = io.open(topo):read("a")
  local vni = 5000
  local function build(grouped)
    local n = 0
    for a, ea, b, eb, net, last in text:gmatch('"n(%d+):(eth%d+)", "n(%d+):(eth%d+)", subnet = { "(%d+%.%d+%.%d+%.)(%d+)/30"') do
      local ia, ib = tonumber(a), tonumber(b)
      local pa, pb = "p" .. a, "p" .. b
      local ga, gb = grouped and ia or nil, grouped and ib or nil
      if host_of(ia) == host_of(ib) then
        veth_add(ea, eb, { ns = pa, peer_ns = pb, group = ga })
      else
        vni = vni + 1
        vxlan_add(ea, vni, { ns = "h" .. host_of(ia), link_ns = pa, dev = "eth0", group = ga,
          ["local"] = "192.168.0." .. host_of(ia), remote = "192.168.0." .. host_of(ib) })
        vxlan_add(eb, vni, { ns = "h" .. host_of(ib), link_ns = pb, dev = "eth0", group = gb,
          ["local"] = "192.168.0." .. host_of(ib), remote = "192.168.0." .. host_of(ia) })
      end
      addr_add(ea, net .. (tonumber(last) + 1) .. "/30", { ns = pa })
      addr_add(eb, net .. (tonumber(last) + 2) .. "/30", { ns = pb })
      link_set(ea, { ns = pa, up = true })
      link_set(eb, { ns = pb, up = true, group = gb })
      n = n + 1
    end
    return n
  end
  local s = now()
  local n = build(false)
  local kt = now() - s
  print(("kernel work (primitives, one process) total %.2f s for %d links: %.2f ms per pod"):format(kt, n, kt / N * 1000))
  -- and their removal, one request per link end (a veth takes its peer)
  s = now()
  for a, ea, b, eb in text:gmatch('"n(%d+):(eth%d+)", "n(%d+):(eth%d+)"') do
    link_del(ea, { ns = "p" .. a })
    if host_of(tonumber(a)) ~= host_of(tonumber(b)) then link_del(eb, { ns = "p" .. b }) end
  end
  local dt = now() - s
  print(("kernel removal, link by link (one process) total %.2f s: %.2f ms per pod"):format(dt, dt / N * 1000))
  -- made again, grouped, and removed a pod's group at a time (one
  -- request), as nsl-cni's DEL does: serially, then one process per host
  build(true)
  s = now()
  for i = 1, N do pcall(link_del, { group = i, ns = "p" .. i }) end
  dt = now() - s
  print(("kernel removal, a pod's group at a time (one process) total %.2f s: %.2f ms per pod"):format(dt,
    dt / N * 1000))
  build(true)
  local wall = concurrent("kdel")
  print(("kernel removal, a pod's group at a time (one process per host at once) wall %.2f s: %.2f ms per pod")
    :format(wall, wall / N * 1000))
end
