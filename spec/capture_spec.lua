-- capture(link [, opts]): libpcap in a fork of nsl writes what a link
-- sees to a pcap file; tcpdump -r is the witness.
local T = require "spec.support.util"
local N = require "spec.support.net"

-- Two namespaces cap-a and cap-b over a veth pair (va, vb), addressed.
local function pair()
  ns_add("cap-a")
  ns_add("cap-b")
  veth_add("va", "vb", { ns = "cap-a", peer_ns = "cap-b" })
  link_set("va", { ns = "cap-a", up = true })
  link_set("vb", { ns = "cap-b", up = true })
  addr_add("va", "10.66.0.1/30", { ns = "cap-a", nodad = true })
  addr_add("vb", "10.66.0.2/30", { ns = "cap-b", nodad = true })
end

local function ping(n)
  return ns_exec("cap-a", { "ping", "-c", tostring(n), "-i0.2", "-W2", "10.66.0.2" }, { capture = true })
end

-- What tcpdump reads from file: its packet lines (the file header's
-- line is tcpdump's stderr).
local function read(file)
  local r = T.sh("tcpdump -n -r " .. T.quote(file))
  assert.equal(0, r.code, r.err)
  return r.out, r.err
end

local function lines(s)
  local n = 0
  for _ in s:gmatch("[^\n]+") do n = n + 1 end
  return n
end

describe("capture #netns", function()
  local dir
  before_each(function() dir = T.tmpdir() end)
  after_each(function()
    T.rm(dir)
    N.wipe()
  end)

  it("records a ping between two namespaces, each packet as it passes, and closes the file on SIGTERM", function()
    if not N.needs() then return end
    pair()
    local h = capture("va", { ns = "cap-a", file = dir .. "/a.pcap", filter = "icmp" })
    assert.is_true(h:running())
    assert.is_true(ping(2).ok)
    -- flushed per packet: readable while the capture still runs
    assert.matches("ICMP echo reply", (read(dir .. "/a.pcap")), 1, true)
    h:kill("TERM")
    assert.equal(0, h:wait().code)
    local out, err = read(dir .. "/a.pcap")
    assert.matches("link%-type EN10MB %(Ethernet%), snapshot length 262144", err)
    assert.matches("IP 10.66.0.1 > 10.66.0.2: ICMP echo request, id %d+, seq 1, length 64\n", out)
    assert.matches("IP 10.66.0.2 > 10.66.0.1: ICMP echo reply, id %d+, seq 2, length 64\n", out)
    assert.equal(4, lines(out), out)	-- no ARP: the filter holds
  end)

  it("writes to stdout for file \"-\", with snaplen cutting each packet", function()
    if not N.needs() then return end
    pair()
    local r = T.run_script([[
      local h = capture("va", { ns = "cap-a", file = "-", snaplen = 60 })
      assert(ns_exec("cap-a", { "ping", "-c1", "-W2", "10.66.0.2" }, { capture = true }).ok)
      h:kill("TERM"); h:wait()
    ]] .. " io.stderr:write('done\\n')")
    assert.equal("done\n", r.err)
    T.write(dir .. "/out.pcap", r.out)
    local out, err = read(dir .. "/out.pcap")
    assert.matches("snapshot length 60", err)
    assert.matches("ICMP echo request", out, 1, true)
  end)

  it("records nothing that its filter excludes", function()
    if not N.needs() then return end
    pair()
    local h = capture("va", { ns = "cap-a", file = dir .. "/tcp.pcap", filter = "tcp port 80" })
    assert.is_true(ping(2).ok)
    h:kill("TERM")
    h:wait()
    assert.equal("", (read(dir .. "/tcp.pcap")))
    assert.equal(24, #T.slurp(dir .. "/tcp.pcap"))	-- the pcap header alone
  end)

  it("refuses a bad filter, link, namespace or option in one line, starting nothing, writing nothing", function()
    if not N.needs() then return end
    pair()
    local f = dir .. "/x.pcap"
    T.nsl_error(function() capture("va", { ns = "cap-a", file = f, filter = "icmpp" }) end,
      "capture: va: filter 'icmpp': can't parse filter expression: syntax error")
    T.nsl_error(function() capture("va", { ns = "cap-a", file = f, filter = "port 99999" }) end,
      "capture: va: filter 'port 99999': illegal port number 99999 > 65535")
    T.nsl_error(function() capture("eth9", { ns = "cap-a", file = f }) end,
      "capture: eth9: No such device exists")
    T.nsl_error(function() capture("va", { file = f }) end,	-- va is not in nsl's own namespace
      "capture: va: No such device exists")
    T.nsl_error(function() capture("va", { ns = "cap-nope", file = f }) end,
      "capture: va: namespace cap-nope: no such network namespace", "ENOENT")
    T.nsl_error(function() capture("va", { ns = "cap-a", fil = f }) end,
      "capture: unknown option 'fil' (did you mean 'file'?)")
    T.nsl_error(function() capture("va", { ns = "cap-a" }) end,
      "capture: va: option 'file': a path (or \"-\" for stdout) expected")
    T.nsl_error(function() capture("va", { ns = "cap-a", file = f, snaplen = 0 }) end,
      "capture: va: snaplen must be 1 to 262144")
    T.nsl_error(function() capture("va", { ns = "cap-a", file = dir .. "/no/such/dir.pcap" }) end,
      "capture: va: " .. dir .. "/no/such/dir.pcap: No such file or directory", "ENOENT")
    assert.is_nil(io.open(f))
    -- no child of this nsl but the shell that asks
    assert.equal("", T.sh("ps --ppid " .. require("nsl.record").self().pid .. " -o comm= | grep -vx sh || true").out)
  end)

  it("is stopped by nsl --clean after its nsl was SIGKILLed", function()
    if not N.needs() then return end
    local script = dir .. "/k.lua"
    T.write(script, [[
ns_add("cap-k")
link_set("lo", { ns = "cap-k", up = true })
local h = capture("lo", { ns = "cap-k", file = "]] .. dir .. [[/k.pcap" })
print(h.pid); io.stdout:flush()
sleep(30)
]])
    local p = spawn({ T.nsl, script }, { background = true, capture = true })
    local pid
    for _ = 1, 200 do
      pid = tonumber(p:output():match("^(%d+)\n"))
      if pid then break end
      sleep(0.05)
    end
    assert.truthy(pid, "the capture started")
    assert.is_true(T.alive(pid))
    p:kill("KILL")
    p:wait()
    local r = T.run({ "--clean" })
    assert.equal(0, r.code, r.err)
    for _ = 1, 100 do
      if not T.alive(pid) then break end
      sleep(0.02)
    end
    assert.is_false(T.alive(pid), "the capture process is gone")
    assert.equal("", T.other_records())
    N.assert_clean()
  end)
end)
