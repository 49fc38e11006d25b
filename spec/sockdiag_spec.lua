-- sock_list: a namespace's sockets as the kernel reports them over
-- NETLINK_SOCK_DIAG; ss (iproute2, the same interface) is the witness.
local T = require "spec.support.util"
local N = require "spec.support.net"

describe("sock_list #netns", function()
  local procs = {}
  after_each(function()
    for _, h in ipairs(procs) do pcall(h.close, h) end
    procs = {}
    N.wipe()
  end)

  local function start(ns, cmd)
    local h = ns_exec(ns, cmd, { background = true, stdin = false })
    procs[#procs + 1] = h
    return h
  end

  local function wait_for(f)
    local deadline = now() + 5
    while not f() do
      assert.is_true(now() < deadline, "timed out")
      sleep(0.01)
    end
  end

  it("lists TCP listeners and bound UDP sockets of both families in a namespace", function()
    if not T.need_sandbox() then return end
    ns_add("sd")
    link_set("lo", { up = true, ns = "sd" })
    start("sd", { "socat", "TCP4-LISTEN:8080,reuseaddr,fork", "-" })
    start("sd", { "socat", "TCP6-LISTEN:8443,reuseaddr,fork", "-" })
    start("sd", { "socat", "UDP4-RECVFROM:5353,fork", "-" })
    start("sd", { "socat", "UDP6-RECVFROM:53,fork", "-" })
    wait_for(function() return #sock_list({ ns = "sd", state = "listen" }) >= 4 end)
    local seen = {}
    for _, s in ipairs(sock_list({ ns = "sd", state = "listen" })) do
      seen[#seen + 1] = s.proto .. "/" .. s.family .. "/" .. s.port .. "/" .. s.state
      assert.is_true(s.inode > 0)
      assert.equal(0, s.uid)
    end
    table.sort(seen)
    assert.same({ "tcp/inet/8080/listen", "tcp/inet6/8443/listen", "udp/inet/5353/unconn",
                  "udp/inet6/53/unconn" }, seen)
    -- ss agrees on the TCP listeners
    local ss = N.in_ns("sd", "ss -H -ltn").out
    assert.matches(":8080 ", ss)
    assert.matches(":8443 ", ss)
    -- filters
    assert.equal(1, #sock_list({ ns = "sd", proto = "udp", state = "listen", port = 53 }))
    assert.equal(0, #sock_list({ ns = "sd", proto = "tcp", port = 53 }))
    assert.equal("::", sock_list({ ns = "sd", proto = "tcp", port = 8443 })[1]["local"])
    -- the sandbox's own namespace has none of them
    assert.equal(0, #sock_list({ port = 8080 }))
  end)

  it("shows an established connection with both ends", function()
    if not T.need_sandbox() then return end
    ns_add("sd")
    link_set("lo", { up = true, ns = "sd" })
    start("sd", { "socat", "-u", "TCP4-LISTEN:9000,reuseaddr", "-" })
    wait_for(function() return #sock_list({ ns = "sd", port = 9000, state = "listen" }) == 1 end)
    start("sd", { "socat", "-u", "TCP4:127.0.0.1:9000", "-" })
    wait_for(function()
      for _, s in ipairs(sock_list({ ns = "sd", proto = "tcp" })) do
        if s.state == "established" and s.rport == 9000 and s.remote == "127.0.0.1" then return true end
      end
    end)
  end)

  it("never keeps a namespace the run does not talk to alive (one of ip netns add)", function()
    if not T.need_sandbox() then return end
    assert.equal(0, T.sh("ip netns add sdo && ip link add sdo0 type veth peer name sdo1 netns sdo").code)
    finally(function() T.sh("ip netns del sdo 2>/dev/null; ip link del sdo0 2>/dev/null") end)
    assert.same({}, sock_list({ ns = "sdo" }))
    assert.same({}, sock_list({ ns = "sdo", proto = "udp" }))
    assert.equal(0, T.sh("ip netns del sdo").code)
    -- the namespace goes once nothing holds it, and its veth end with it,
    -- which takes our end too
    wait_for(function() return T.sh("ip link show sdo0 >/dev/null 2>&1").code ~= 0 end)
  end)

  it("refuses bad options and unknown namespaces", function()
    if not T.need_sandbox() then return end
    local e = N.err(sock_list, { proto = "sctp" })
    assert.equal("sock_list: sctp: proto must be \"tcp\" or \"udp\"", tostring(e))
    assert.equal("EINVAL", e.code)
    e = N.err(sock_list, { state = "closing" })
    assert.equal("sock_list: closing: state must be \"listen\" or \"all\"", tostring(e))
    e = N.err(sock_list, { ns = "nope" })
    assert.equal("sock_list: nope: no such network namespace", tostring(e))
    assert.equal("ENOENT", e.code)
    assert.has_error(function() sock_list("x") end)
  end)
end)
