-- nsl-cni by direct invocation, as the CNI specification has a runtime
-- call it: every verb, the error codes, ADD and DEL twice, DEL with the
-- pod's namespace gone, GC beside an untagged bystander, STATUS of an
-- unusable store, concurrent ADDs of both ends of a link, and SIGKILL in
-- the middle of an ADD.  Real namespaces; ip -j and ping as witnesses.
local T = require "spec.support.util"
local nt = require "nsl.test"
local N = require "spec.support.net"
local C = require "spec.support.cni"

local TOPO = [[
return {
  namespaces = { "r1", "r2", "r3" },
  links = {
    { "r1:eth1", "r2:eth1", subnet = { "10.0.1.0/30", "fd00:1::/64" } },
    { "r2:eth2", "r3:eth1", subnet = { "10.0.2.0/30", "fd00:2::/64" } },
  },
}
]]

local function setup()
  C.topology(TOPO)
  C.pods("r1", "r2", "r3")
end

local function veth_pair(a, b)
  local la, lb = C.links(a).eth1, C.links(b).eth1
  return la and lb and la.link_type == "ether" and la.linkinfo.info_kind == "veth"
    and lb.linkinfo.info_kind == "veth"
end

describe("nsl-cni #netns", function()
  after_each(C.wipe)

  it("answers VERSION with the versions it speaks, in the version asked", function()
    local out = C.ok("VERSION", nil, { conf = '{"cniVersion":"0.4.0"}' })
    assert.same({ cniVersion = "0.4.0", supportedVersions = { "0.4.0", "1.0.0", "1.1.0" } }, out)
    assert.equal("1.1.0", C.ok("VERSION", nil, { conf = "" }).cniVersion)
    assert.equal("1.1.0", C.ok("VERSION", nil, { conf = '{"cniVersion":"0.3.1"}' }).cniVersion)
  end)

  it("refuses a cniVersion it does not speak with code 1, and each bad input with its code and one line", function()
    if not N.needs() then return end
    setup()
    local function refused(code, msg, verb, node, opts)
      local r = C.run(verb, node, opts)
      assert.equal(code, r.code, r.raw .. r.err)
      assert.equal(code, r.out.code)
      assert.is_string(r.out.cniVersion)
      assert.equal(msg, r.out.msg)
    end
    refused(1, "config: cniVersion 0.3.1 is not supported (nsl-cni speaks 0.4.0, 1.0.0, 1.1.0)", "ADD", "r1",
      { conf = C.conf(nil, { cniVersion = "0.3.1" }) })
    refused(2, "config: unknown key 'stor' (did you mean 'store'?)", "ADD", "r1",
      { conf = C.conf(nil, { stor = "x" }) })
    refused(2, "config: unknown key 'vniBse' in vxlan (did you mean 'vniBase'?)", "ADD", "r1",
      { conf = C.conf(nil, { vxlan = { vniBse = 1 } }) })
    refused(7, 'config: \'lab\' must be a string, got number (5)', "ADD", "r1", { conf = C.conf(nil, { lab = 5 }) })
    refused(7, "config: 'vxlan.port' must be an integer 1..65535, got 0", "ADD", "r1",
      { conf = C.conf(nil, { vxlan = { port = 0 } }) })
    refused(6, "config: stdin is not a JSON object: nsl.json: invalid token near 'nope' at line 1 column 4",
      "ADD", "r1", { conf = "nope" })
    refused(4, "env: CNI_NETNS is not set (ADD needs it)", "ADD", "r1", { env = { CNI_NETNS = false } })
    refused(4, "env: CNI_ARGS names no node (NSL_NODE=<node> or K8S_POD_NAME=<node>)", "ADD", "r1",
      { env = { CNI_ARGS = "K8S_POD_NAMESPACE=x" } })
    refused(101, "topology: no node named r4 (did you mean 'r1'?)", "ADD", "r4", { netns = "/run/netns/p-r1" })
    refused(1, "GC is CNI 1.1.0; the config says cniVersion 1.0.0", "GC", nil,
      { conf = C.conf(nil, { cniVersion = "1.0.0" }) })
    C.topology([[return { namespaces = { "r1" }, links = { { "r1:eth1", "r9:eth1" } } }]])
    refused(101, "topology: links[1]: no node named r9 (did you mean 'r1'?)", "ADD", "r1")
    -- without privilege: one line naming the call, the object and the reason
    C.topology(TOPO)
    T.sh("chmod 755 " .. C.topo_file:match("^(.*)/"))
    local np = C.run("ADD", "r1", { prefix = "setpriv --reuid=65534 --regid=65534 --clear-groups" })
    assert.is_true(np.code ~= 0, np.raw)
    assert.matches("^[%w_]+: /run/nsl%-cni%-spec[^ ]*: Permission denied %(nsl%-cni needs root: CAP_NET_ADMIN " ..
      "and CAP_SYS_ADMIN%)$", np.out.msg)
    -- K8S_POD_NAME names the node when NSL_NODE is not there
    local r = C.run("ADD", "r1", { env = { CNI_ARGS = "K8S_POD_NAME=r4" } })
    assert.equal(101, r.code)
    assert.equal("topology: no node named r4 (did you mean 'r1'?)", r.out.msg)
  end)

  it("ADD of one end makes nothing; ADD of the other makes one veth between the pods, tagged, grouped, addressed", function()
    if not N.needs() then return end
    setup()
    local first = C.ok("ADD", "r1", { conf = C.conf(nil, { cniVersion = "1.0.0" }) })
    assert.same({ cniVersion = "1.0.0", interfaces = {}, ips = {} }, first)
    assert.same({}, C.links("r1"))
    local out = C.ok("ADD", "r2")
    assert.equal("1.1.0", out.cniVersion)
    assert.same({ "eth1" }, { out.interfaces[1].name })
    assert.equal("/run/netns/p-r2", out.interfaces[1].sandbox)
    assert.same({ { address = "10.0.1.2/30", interface = 0 }, { address = "fd00:1::2/64", interface = 0 } }, out.ips)
    assert.is_true(veth_pair("r1", "r2"))
    local l1, l2 = C.links("r1").eth1, C.links("r2").eth1
    assert.equal("nsl-cni:demo:c-r1:eth1", l1.ifalias)
    assert.equal("nsl-cni:demo:c-r2:eth1", l2.ifalias)
    assert.are_not.equal(0, l1.group)
    assert.are_not.equal(l1.group, l2.group)
    assert.same({ "10.0.1.1/30", "fd00:1::1/64" }, C.addrs("r1", "eth1"))
    assert.is_true(C.ping("r1", "10.0.1.2"))
    assert.is_true(C.ping("r2", "fd00:1::1"))
    assert.is_nil(C.links("r2").eth2) -- r3 not added yet
  end)

  it("reads the topology from a key of the store; DEL without a readable topology still removes the pod's links",
    function()
    if not N.needs() then return end
    setup()
    local store = require("nsl.cni.store").open("dir://" .. C.STORE)
    store:put("demo/topology", '{"namespaces":["r1","r2"],"links":[["r1:eth1","r2:eth1"]]}')
    local conf = C.conf(nil, { topology = "demo/topology" })
    C.ok("ADD", "r1", { conf = conf })
    C.ok("ADD", "r2", { conf = conf })
    assert.is_true(veth_pair("r1", "r2"))
    assert.same({}, C.addrs("r1", "eth1")) -- no subnet: no address
    store:del("demo/topology")
    local r = C.run("ADD", "r1", { conf = conf })
    assert.equal(101, r.code)
    assert.equal("topology: demo/topology: no such key in the store dir://" .. C.STORE, r.out.msg)
    C.ok("DEL", "r1", { conf = conf })
    assert.same({}, C.links("r1"))
    assert.same({}, C.links("r2"))
  end)

  it("takes a pod namespace given as /proc/PID/ns/net, as container runtimes hand it", function()
    if not N.needs() then return end
    setup()
    local pids = {}
    for i = 1, 2 do
      pids[i] = T.sh("unshare -n sleep 30 >/dev/null 2>&1 & echo $!").out:match("%d+")
    end
    finally(function() T.sh("kill " .. pids[1] .. " " .. pids[2]) end)
    local function netns(i) return "/proc/" .. pids[i] .. "/ns/net" end
    -- each unshare has made its namespace once it differs from ours (both
    -- are used: ADD r2 goes into the second one)
    local ours = T.sh("readlink /proc/self/ns/net").out
    for i = 1, 2 do
      nt.eventually(function()
        return T.sh("readlink " .. netns(i)).out ~= ours, "unshare -n " .. i .. " made no namespace"
      end)
    end
    C.ok("ADD", "r1", { netns = netns(1) })
    local out = C.ok("ADD", "r2", { netns = netns(2) })
    assert.equal(netns(2), out.interfaces[1].sandbox)
    local seen = T.sh("nsenter -t " .. pids[1] .. " -n ip -o addr show dev eth1").out
    assert.matches("10%.0%.1%.1/30", seen)
    assert.equal(0, T.sh("nsenter -t " .. pids[2] .. " -n ping -c1 -W2 10.0.1.1").code)
    C.ok("DEL", "r1", { netns = netns(1) })
    assert.equal("", T.sh("nsenter -t " .. pids[2] .. " -n ip -o link show dev eth1 2>/dev/null").out)
  end)

  it("ADD twice gives the same result and still one veth; CHECK passes, then fails once a link is gone", function()
    if not N.needs() then return end
    setup()
    C.ok("ADD", "r1")
    local a = C.ok("ADD", "r2")
    local b = C.ok("ADD", "r2")
    assert.same(a.ips, b.ips)
    assert.same(a.interfaces, b.interfaces)
    assert.equal(1, C.count(C.links("r1")))
    assert.equal(1, C.count(C.links("r2")))
    C.ok("CHECK", "r1")
    C.ok("CHECK", "r2")
    T.sh("ip -n p-r1 addr del 10.0.1.1/30 dev eth1")
    local r = C.run("CHECK", "r1")
    assert.equal(104, r.code)
    assert.equal("CHECK: r1: interface eth1 (link r1:eth1=r2:eth1): has no address 10.0.1.1/30", r.out.msg)
    C.ok("ADD", "r1") -- heals
    C.ok("CHECK", "r1")
    assert.equal(3, C.run("CHECK", "r3").code) -- never added
  end)

  it("passes prevResult through when chained, adding its interfaces and addresses (0.4.0: with versions)", function()
    if not N.needs() then return end
    setup()
    C.ok("ADD", "r1")
    local prev = { cniVersion = "0.4.0", interfaces = { { name = "eth0", mac = "02:00:00:00:00:01",
      sandbox = "/run/netns/p-r2" } }, ips = { { version = "4", address = "10.9.0.5/24", interface = 0 } },
      routes = {}, dns = { nameservers = { "10.9.0.1" } } }
    local out = C.ok("ADD", "r2", { conf = C.conf(nil, { cniVersion = "0.4.0", prevResult = prev }) })
    assert.equal("0.4.0", out.cniVersion)
    assert.same({ "eth0", "eth1" }, { out.interfaces[1].name, out.interfaces[2].name })
    assert.same({ version = "4", address = "10.9.0.5/24", interface = 0 }, out.ips[1])
    assert.same({ version = "4", address = "10.0.1.2/30", interface = 1 }, out.ips[2])
    assert.same({ version = "6", address = "fd00:1::2/64", interface = 1 }, out.ips[3])
    assert.same({}, out.routes)
    assert.matches('"routes":%[%]', C.run("ADD", "r2", { conf = C.conf(nil, { prevResult = prev }) }).raw)
    assert.same({ "10.9.0.1" }, out.dns.nameservers)
  end)

  it("DEL twice succeeds, clears the node's side (the peer's end too) and its store entries; " ..
    "DEL with the namespace gone succeeds", function()
    if not N.needs() then return end
    setup()
    C.ok("ADD", "r1")
    C.ok("ADD", "r2")
    assert.is_nil(C.ok("DEL", "r1"))
    assert.same({}, C.links("r1"))
    assert.is_nil(C.links("r2").eth1)
    C.ok("DEL", "r1")
    assert.is_nil(T.sh("ls " .. C.STORE .. "/kv").out:match("att%%2Fr1"))
    -- the namespace goes first (a runtime that lost it), then DEL
    C.ok("ADD", "r1")
    assert.is_true(veth_pair("r1", "r2"))
    T.sh("ip netns del p-r2")
    C.ok("DEL", "r2")
    C.ok("DEL", "r2", { env = { CNI_NETNS = false } })
    -- the kernel destroys a namespace (and the veth with it) in the background
    local t0 = now()
    while C.links("r1").eth1 and now() - t0 < 5 do sleep(0.05) end
    assert.same({}, C.links("r1"))
    assert.equal("", T.sh("ls " .. C.STORE .. "/kv | grep -i 'r2'").out)
  end)

  it("GC removes exactly the links of attachments not in the valid list, never an untagged one, " ..
    "even in the same group", function()
    if not N.needs() then return end
    setup()
    C.ok("ADD", "r1")
    C.ok("ADD", "r2")
    -- the bystander: named as the plugin would name r2's link to r3, in the same link group
    local group = C.links("r2").eth1.group
    T.sh("ip -n p-r2 link add eth2 group " .. group .. " type veth peer name by0")
    local valid = { { containerID = "c-r1", ifname = "eth0" } }
    C.ok("GC", nil, { conf = C.conf(nil, { ["cni.dev/valid-attachments"] = valid }) })
    local l2 = C.links("r2")
    assert.is_nil(l2.eth1)
    assert.is_table(l2.eth2)
    assert.is_table(l2.by0)
    assert.is_nil(l2.eth2.ifalias)
    -- r1's attachment is valid: kept in the store, and its ADD still works
    assert.equal("", T.sh("ls " .. C.STORE .. "/kv | grep 'c-r2'").out)
    assert.matches("c%-r1", T.sh("ls " .. C.STORE .. "/kv").out)
    C.ok("GC", nil, { conf = C.conf(nil, { ["cni.dev/valid-attachments"] = valid }) })
    assert.is_table(C.links("r2").eth2)
  end)

  it("STATUS is silent with a usable store and says code 50 when the store cannot be used", function()
    if not N.needs() then return end
    setup()
    local r = C.run("STATUS", nil)
    assert.equal(0, r.code, r.raw)
    assert.equal("", r.raw)
    T.sh("mkdir -p /run/nsl-cni-spec && touch /run/nsl-cni-spec/file")
    r = C.run("STATUS", nil, { conf = C.conf(nil, { store = "dir:///run/nsl-cni-spec/file/store" }) })
    assert.equal(50, r.code)
    assert.equal(50, r.out.code)
    assert.matches("^STATUS: store dir:///run/nsl%-cni%-spec/file/store unusable: .*Not a directory", r.out.msg)
    r = C.run("STATUS", nil, { conf = C.conf(nil, { store = "etcd://127.0.0.1:1" }) })
    assert.equal(50, r.code, r.raw) -- nothing listens there (or no etcd backend)
    r = C.run("STATUS", nil, { conf = C.conf(nil, { store = "nfs://x" }) })
    assert.equal(50, r.code, r.raw)
    assert.equal("store: nfs://x: unknown store (expected dir:///path or etcd://HOST:PORT)", r.out.msg)
  end)

  it("concurrent ADDs of both ends of a link make exactly one veth", function()
    if not N.needs() then return end
    setup()
    local dir = T.tmpdir()
    T.write(dir .. "/conf", require("dkjson").encode(C.conf()))
    for _ = 1, 4 do
      local cmd = {}
      if os.getenv("NSL_LUA_DIR") then cmd[1] = "export NSL_LUA_DIR=" .. T.quote(os.getenv("NSL_LUA_DIR")) end
      for _, n in ipairs({ "r1", "r2" }) do
        cmd[#cmd + 1] = "CNI_COMMAND=ADD CNI_CONTAINERID=c-" .. n .. " CNI_NETNS=/run/netns/p-" .. n ..
          " CNI_IFNAME=eth0 CNI_ARGS=NSL_NODE=" .. n .. " NSL_CNI_LOCK_DIR=/run/nsl-cni-spec/lock " ..
          T.quote(C.bin) .. " <" .. dir .. "/conf >/dev/null &"
      end
      cmd[#cmd + 1] = "wait"
      local r = T.sh(table.concat(cmd, "\n"))
      assert.equal(0, r.code, r.err)
      assert.equal(1, C.count(C.links("r1")))
      assert.equal(1, C.count(C.links("r2")))
      assert.is_true(veth_pair("r1", "r2"))
      assert.is_true(C.ping("r1", "10.0.1.2"))
      C.ok("DEL", "r1")
      C.ok("DEL", "r2")
    end
    T.rm(dir)
  end)

  it("SIGKILL at any step of an ADD, then DEL (or GC) and nsl --clean, leaves nothing", function()
    if not N.needs() then return end
    local shim = os.getenv("NSL_FAULTSHIM")
    if not shim or not io.open(shim) then
      return T.pending("needs the fault shim (NSL_FAULTSHIM, make check builds it)")
    end
    setup()
    C.ok("ADD", "r1")
    local report = T.tmpdir()
    local asan = "verify_asan_link_order=0:detect_leaks=0" -- the shim before ASan's runtime
    local r = C.run("ADD", "r2", { env = { LD_PRELOAD = shim, FAULT_REPORT = report .. "/n", ASAN_OPTIONS = asan } })
    assert.equal(0, r.code, r.raw)
    local steps = tonumber(T.slurp(report .. "/n"))
    T.rm(report)
    assert.is_true(steps > 5)
    C.ok("DEL", "r2")
    for n = 1, steps, T.full() and 1 or 3 do
      local k = C.run("ADD", "r2", { env = { LD_PRELOAD = shim, FAULT_N = tostring(n), FAULT_SIG = "9",
        ASAN_OPTIONS = asan } })
      assert.equal(137, k.code, "step " .. n .. ": " .. k.raw)
      if n % 2 == 0 then
        C.ok("DEL", "r2")
      else
        C.ok("GC", nil, { conf = C.conf(nil, { ["cni.dev/valid-attachments"] = { { containerID = "c-r1", ifname = "eth0" } } }) })
      end
      T.run({ "--clean" })
      assert.same({}, C.links("r2"), "step " .. n)
      assert.same({}, C.links("r1"), "step " .. n)
      assert.equal("", T.other_records(), "step " .. n)
      assert.equal("", T.sh("ls " .. C.STORE .. "/kv | grep 'r2'").out, "step " .. n)
    end
    -- and the pair still comes up afterwards
    C.ok("ADD", "r2")
    assert.is_true(C.ping("r2", "10.0.1.1"))
  end)
end)
