-- nsl-cni against hostile or broken input, as a fault tester feeds it: a
-- Lua topology reaching for the plugin's own string library, hanging in
-- a pattern or eating memory; the store directory's mode; the result's
-- fields per version and a prevResult's lists; a bystander in the
-- attachment's link group; a FIFO as CNI_NETNS; a lab named ".."; a GC
-- list that is no list, null or under its other name; a peer's namespace
-- file that names another namespace than at its ADD.
local T = require "spec.support.util"
local N = require "spec.support.net"
local C = require "spec.support.cni"

local TOPO = [[
return {
  namespaces = { "r1", "r2" },
  links = { { "r1:eth1", "r2:eth1", subnet = { "10.0.1.0/30", "fd00:1::/64" } } },
}
]]

local function setup(topo)
  C.topology(topo or TOPO)
  C.pods("r1", "r2")
end

-- Runs verb under a 20 s timeout (a hang is SIGKILL, exit 137: nsl-cni
-- defers SIGTERM to its next Lua step, which a C loop never reaches).
local function run(verb, node, opts)
  opts = opts or {}
  opts.prefix = "timeout -s KILL 20"
  return C.run(verb, node, opts)
end

describe("nsl-cni under hostile input #netns", function()
  after_each(C.wipe)

  it("keeps a Lua topology away from the plugin's own string library (no getmetatable, no setmetatable)",
    function()
    if not N.needs() then return end
    -- were the plugin's gsub the topology's, its store keys would be raw
    -- paths ("../" and all) written as root
    setup([[
      getmetatable("").__index.gsub = function(s) return s, 0 end
      return { namespaces = { "r1", "r2" } }
    ]])
    local r = run("ADD", "r1")
    assert.equal(101, r.code, r.raw .. r.err)
    assert.matches("^topology: .*topo%.lua: line 1: attempt to call a nil value %(global 'getmetatable'%)$",
      r.out.msg)
    -- a metamethod would run in the plugin, out of the budget
    setup([[return setmetatable({}, { __index = function() while true do end end })]])
    r = run("ADD", "r1")
    assert.equal(101, r.code, r.raw .. r.err)
    assert.matches("global 'setmetatable'", r.out.msg)
  end)

  it("refuses a Lua topology's pattern functions, whose backtracking in C no budget stops", function()
    if not N.needs() then return end
    setup([[local s = ("a"):rep(5000) s:find(".-.-.-.-.-b") return { namespaces = { "r1" } }]])
    local t0 = now()
    local r = run("ADD", "r1")
    assert.equal(101, r.code, r.raw .. r.err)
    assert.matches("attempt to call a nil value %(method 'find'%)$", r.out.msg)
    assert.is_true(now() - t0 < 10)
    setup([[return { namespaces = { string.format("r%d", 1), ("r"):rep(1) .. "2" } }]])
    assert.equal(0, run("ADD", "r1").code)
  end)

  it("stops a Lua topology that eats memory at the plugin's ceiling, code 101", function()
    if not N.needs() then return end
    -- 512 MiB by doubling: a few dozen instructions, far below the budget
    setup([[local s = "x" for _ = 1, 29 do s = s .. s end return { namespaces = { "r1" } }]])
    local r = run("ADD", "r1")
    assert.equal(101, r.code, r.raw .. r.err)
    assert.matches("^topology: .*topo%.lua: not enough memory$", r.out.msg)
  end)

  it("makes the dir store's directories mode 0700", function()
    if not N.needs() then return end
    setup()
    C.ok("ADD", "r1")
    assert.equal("700 700", T.sh("stat -c %a " .. C.STORE .. " " .. C.STORE .. "/kv | tr '\\n' ' '").out
      :gsub("%s+$", ""))
  end)

  it("gives interfaces an mtu only in 1.1.0's result", function()
    if not N.needs() then return end
    setup()
    C.ok("ADD", "r1")
    for _, v in ipairs({ "0.4.0", "1.0.0" }) do
      local out = C.ok("ADD", "r2", { conf = C.conf(nil, { cniVersion = v }) })
      assert.same({ name = "eth1", mac = out.interfaces[1].mac, sandbox = "/run/netns/p-r2" }, out.interfaces[1])
    end
    assert.equal(1500, C.ok("ADD", "r2").interfaces[1].mtu)
  end)

  it("takes a prevResult's null list as none and refuses one that is no list (code 7), never printing an object",
    function()
    if not N.needs() then return end
    setup()
    C.ok("ADD", "r1")
    local r = run("ADD", "r2", { conf = C.conf(nil, { prevResult = { cniVersion = "1.1.0", interfaces = { a = 1 } } }) })
    assert.equal(7, r.code, r.raw .. r.err)
    assert.equal([[config: 'prevResult.interfaces' must be a list, got {"a":1}]], r.out.msg)
    local conf = require("dkjson").encode(C.conf()):gsub("}$", ',"prevResult":{"cniVersion":"1.1.0","interfaces":null}}')
    local out = C.ok("ADD", "r2", { conf = conf })
    assert.equal("eth1", out.interfaces[1].name)
    assert.equal(0, out.ips[1].interface)
  end)

  it("DEL leaves a link of someone else's tag alone, even in the attachment's link group", function()
    if not N.needs() then return end
    setup()
    C.ok("ADD", "r1")
    C.ok("ADD", "r2")
    local group = C.links("r2").eth1.group
    T.sh("ip link add by1 type veth peer name by0 netns p-r2 && ip -n p-r2 link set by0 group " .. group
      .. " alias someone-else")
    finally(function() T.sh("ip link del by1 2>/dev/null") end)
    C.ok("DEL", "r2")
    local l2 = C.links("r2")
    assert.is_nil(l2.eth1)
    assert.is_table(l2.by0)
    assert.equal("someone-else", l2.by0.ifalias)
  end)

  it("refuses a FIFO as CNI_NETNS at once (code 3), never waits on it", function()
    if not N.needs() then return end
    setup()
    local fifo = C.topo_file:match("^(.*)/") .. "/fifo"
    T.sh("mkfifo " .. fifo)
    local r = run("ADD", "r1", { netns = fifo })
    assert.equal(3, r.code, r.raw .. r.err)
    assert.equal("ADD: r1: CNI_NETNS: link_get: " .. fifo .. ": not a network namespace", r.out.msg)
  end)

  it("refuses a lab or host named . or .. (they would name the lock directory's parent)", function()
    if not N.needs() then return end
    setup()
    for _, k in ipairs({ "lab", "host" }) do
      for _, v in ipairs({ ".", ".." }) do
        local r = run("ADD", "r1", { conf = C.conf(nil, { [k] = v }) })
        assert.equal(7, r.code, r.raw .. r.err)
        assert.matches("^config: '" .. k .. "' %.%.?: .*%(not %. or %.%.%)$", r.out.msg)
      end
    end
  end)

  it("refuses a GC whose valid-attachments is not a list, and removes nothing", function()
    if not N.needs() then return end
    setup()
    C.ok("ADD", "r1")
    C.ok("ADD", "r2")
    for _, bad in ipairs({ { containerID = "c-r1", ifname = "eth0" }, "c-r1" }) do
      local r = run("GC", nil, { conf = C.conf(nil, { ["cni.dev/valid-attachments"] = bad }) })
      assert.equal(7, r.code, r.raw .. r.err)
      assert.matches("^config: cni%.dev/valid%-attachments must be a list", r.out.msg)
    end
    assert.is_table(C.links("r1").eth1)
    assert.is_table(C.links("r2").eth1)
  end)

  it("takes GC's list as libcni sends it: under both names, and null for none", function()
    if not N.needs() then return end
    setup()
    C.ok("ADD", "r1")
    C.ok("ADD", "r2")
    local valid = { { containerID = "c-r1", ifname = "eth0" }, { containerID = "c-r2", ifname = "eth0" } }
    C.ok("GC", nil, { conf = C.conf(nil, { ["cni.dev/valid-attachments"] = valid, ["cni.dev/attachments"] = valid }) })
    assert.is_table(C.links("r1").eth1)
    C.ok("GC", nil, { conf = C.conf(nil, { ["cni.dev/attachments"] = { valid[1] } }) })
    assert.is_nil(C.links("r1").eth1)
    C.ok("ADD", "r2")
    -- Go's empty list (a nil slice) is null: no attachment is valid
    local conf = require("dkjson").encode(C.conf()):gsub("}$", ',"cni.dev/valid-attachments":null}')
    C.ok("GC", nil, { conf = conf })
    assert.same({}, C.links("r2"))
    assert.equal("", T.sh("ls " .. C.STORE .. "/kv | grep 'cid'").out)
  end)

  it("wires no peer whose namespace file names another namespace than at its ADD", function()
    if not N.needs() then return end
    setup()
    C.ok("ADD", "r1")
    -- r1's pod is gone without a DEL; its path now names a namespace of
    -- someone else's
    T.sh("ip netns del p-r1 && ip netns add p-r1")
    local out = C.ok("ADD", "r2")
    assert.same({}, out.interfaces)
    assert.same({}, C.links("r1"))
    assert.same({}, C.links("r2"))
    -- r1's own ADD in its new pod makes the link
    C.ok("ADD", "r1")
    assert.is_table(C.links("r1").eth1)
    assert.is_table(C.links("r2").eth1)
  end)
end)
