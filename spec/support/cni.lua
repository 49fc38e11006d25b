-- Helpers for the nsl-cni specs: the plugin beside NSL_BIN (nsl-cni,
-- nsl-cni-asan), run as a runtime would (CNI_* variables, the config on
-- stdin), optionally inside a "host" namespace of a simulated cluster;
-- a cluster of hosts on an underlay bridge, and pods on them.
local T = require "spec.support.util"
local N = require "spec.support.net"
local json = require "dkjson"

local M = {}

local dir, base = T.nsl:match("^(.-)([^/]*)$")
M.bin = (dir ~= "" and dir or "./") .. base:gsub("^nsl", "nsl-cni")

M.STORE = "/run/nsl-cni-spec/store"

-- The config of lab `lab` as host h sees it (extra keys merged, a key set
-- to false removed).
function M.conf(h, extra)
  local c = { cniVersion = "1.1.0", name = "lab", type = "nsl-cni", lab = "demo",
    store = "dir://" .. M.STORE, topology = M.topo_file, host = h or "h1" }
  if h and M.hosts and M.hosts[h] then c.underlay = { dev = "eth0", ["local"] = M.hosts[h] } end
  for k, v in pairs(extra or {}) do
    if v == false then c[k] = nil else c[k] = v end
  end
  return c
end

-- Runs the plugin: verb, node (NSL_NODE and container id "c-<node>", pod
-- namespace /run/netns/p-<node>); opts: host (run inside that host's
-- namespace), conf (table or raw text), env (extra or false to unset),
-- netns, id, ifname.  Returns { code, out (decoded JSON or nil), raw,
-- err }.  M.command(verb, node, opts) -> the shell command and its stdin.
function M.command(verb, node, opts)
  opts = opts or {}
  local env = { CNI_COMMAND = verb, CNI_PATH = "/opt/cni/bin", CNI_IFNAME = opts.ifname or "eth0",
    NSL_CNI_LOCK_DIR = "/run/nsl-cni-spec/lock", NSL_CNI_CACHE_DIR = "/run/nsl-cni-spec/cache" }
  if node then
    env.CNI_CONTAINERID = opts.id or ("c-" .. node)
    env.CNI_NETNS = opts.netns or ("/run/netns/p-" .. node)
    env.CNI_ARGS = "IgnoreUnknown=1;NSL_NODE=" .. node
  end
  for k, v in pairs(opts.env or {}) do env[k] = v or nil end
  local conf = opts.conf or M.conf(opts.host)
  local text = type(conf) == "string" and conf or json.encode(conf)
  local parts = { "env -i PATH=\"$PATH\"" }
  if os.getenv("NSL_LUA_DIR") then parts[#parts + 1] = "NSL_LUA_DIR=" .. T.quote(os.getenv("NSL_LUA_DIR")) end
  for k, v in pairs(env) do parts[#parts + 1] = k .. "=" .. T.quote(v) end
  parts[#parts + 1] = T.quote(M.bin)
  local cmd = table.concat(parts, " ")
  if opts.host then cmd = "ip netns exec " .. T.quote(opts.host) .. " " .. cmd end
  if opts.prefix then cmd = opts.prefix .. " " .. cmd end
  return cmd, text
end

function M.run(verb, node, opts)
  local cmd, text = M.command(verb, node, opts)
  -- "; exit": the subshell, not the caller's shell, says "Killed"
  local r = T.sh(cmd .. "; exit $?", { stdin = text })
  r.raw = r.out
  r.out = r.out:match("%S") and json.decode(r.out) or nil
  return r
end

-- Runs and asserts success; returns the decoded result.
function M.ok(verb, node, opts)
  local r = M.run(verb, node, opts)
  assert(r.code == 0, verb .. " " .. tostring(node) .. ": exit " .. r.code .. ": " .. r.raw .. r.err)
  return r.out
end

function M.topology(text)
  M.topo_file = M.topo_file or (T.tmpdir() .. "/topo.lua")
  T.write(M.topo_file, text)
end

function M.pods(...)
  for _, n in ipairs({ ... }) do T.sh("ip netns add p-" .. n .. " && ip -n p-" .. n .. " link set lo up") end
end

-- Hosts h1..hn: namespaces on the underlay bridge ul, eth0 192.0.2.i/24.
function M.cluster(n)
  M.hosts = {}
  T.sh("ip link add ul type bridge && ip link set ul up")
  for i = 1, n do
    local h = "h" .. i
    M.hosts[h] = "192.0.2." .. i
    T.sh(string.format("ip netns add %s && ip link add u%d type veth peer name eth0 netns %s && " ..
      "ip link set u%d master ul up && ip -n %s addr add 192.0.2.%d/24 dev eth0 && " ..
      "ip -n %s link set eth0 up && ip -n %s link set lo up", h, i, h, i, h, i, h, h))
  end
end

-- Pings addr from node's pod, up to 3 s; true when one answer came.
function M.ping(node, addr)
  return N.in_ns("p-" .. node, "ping -c1 -W1 -w3 " .. addr).code == 0
end

-- The links of node's pod as ip -j -d shows them, by name (lo left out).
function M.links(node)
  local out = {}
  for _, l in ipairs(N.ip("-d link show", "p-" .. node)) do
    if l.ifname ~= "lo" then out[l.ifname] = l end
  end
  return out
end

-- The global addresses of dev in node's pod ("10.0.1.1/30"), in order.
function M.addrs(node, dev)
  local out = {}
  for _, l in ipairs(N.ip("addr show dev " .. dev, "p-" .. node)) do
    for _, a in ipairs(l.addr_info or {}) do
      if a.scope == "global" then out[#out + 1] = a["local"] .. "/" .. a.prefixlen end
    end
  end
  return out
end

function M.count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

-- Everything a spec made: namespaces, links, the store and locks, the
-- topology file, the records of killed runs.
function M.wipe()
  N.wipe()
  T.sh("rm -rf /run/nsl-cni-spec")
  if M.topo_file then T.rm(M.topo_file:match("^(.*)/")) end
  M.topo_file, M.hosts = nil, nil
end

return M
