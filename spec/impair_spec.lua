-- link_impair: a link's root netem or tbf, set, read back (link_get's
-- impair, tc -j as the witness) and checked with real traffic.  netem is
-- a module this build kernel lacks: those specs are #kernel (pending here
-- with CONFIG_NET_SCH_NETEM, run by make check-kernel); tbf is built in.
local T = require "spec.support.util"
local N = require "spec.support.net"
local K = require "spec.support.kernel"
local json = require "nsl.json"

-- Two namespaces a (10.77.0.1) and b (10.77.0.2) joined by veth ea-eb.
local function pair()
  ns_add("a"); ns_add("b")
  veth_add("ea", "eb", { ns = "a", peer_ns = "b", up = true })
  link_set("eb", { ns = "b", up = true })
  link_set("lo", { ns = "a", up = true })
  link_set("lo", { ns = "b", up = true })
  addr_add("ea", "10.77.0.1/24", { ns = "a" })
  addr_add("eb", "10.77.0.2/24", { ns = "b" })
end

-- The root qdisc of dev in ns as tc -j reports it.
local function tc_root(dev, ns)
  local r = N.in_ns(ns, "tc -j qdisc show dev " .. dev .. " root")
  assert.equal(0, r.code, r.err)
  return json.decode(r.out)[1]
end

-- Average ping RTT in ms from a to b (count pings), or nil when none came back.
local function ping_avg(count)
  local r = N.in_ns("a", "ping -n -q -c " .. count .. " -i 0.2 -W 2 10.77.0.2")
  return tonumber(r.out:match("= [%d.]+/([%d.]+)/")), r
end

-- Mbit/s on the wire of a bulk transfer of bytes from a to b (the rate
-- applies to whole frames, 1514 bytes for each 1448 of TCP payload),
-- timed by the receiver: an nsl started before the sender counts from
-- its first 64 KiB to the end, so neither a program's start-up nor the
-- connection is in the time (an emulated CPU, the kernel lane's, or a
-- loaded one makes those large and uneven); the tbf's first burst
-- mostly falls in those 64 KiB.  The sender connects once the listener
-- is seen, not after a guessed sleep (a refused connection left the
-- shell waiting for the listener for ever).
local RECEIVER = [[
local _ = io.read(65536)
local t0, n = now(), 0
for s in function() return io.read(65536) end do n = n + #s end
print(n, now() - t0)]]

local function wire_mbit(bytes)
  local r = T.sh(string.format([[
timeout 60 ip netns exec b socat -u TCP-LISTEN:5001,reuseaddr STDOUT | %s -e %s & rx=$!
i=0
until ip netns exec b ss -Htln 'sport = :5001' | grep -q .; do
  i=$((i + 1)); [ $i -le 200 ] || { echo 'b: nothing listens on 5001 after 10 s' >&2; exit 99; }
  sleep 0.05
done
head -c %d /dev/zero | timeout 60 ip netns exec a socat -u - TCP:10.77.0.2:5001 || exit 98
wait $rx]], T.quote(T.nsl), T.quote(RECEIVER), bytes))
  assert.equal(0, r.code, r.err)
  local n, secs = r.out:match("^(%d+)%s+(%S+)\n$")
  assert(n, "the receiver said: " .. r.out .. r.err)
  return tonumber(n) * 1514 / 1448 * 8 / tonumber(secs) / 1e6
end

describe("link_impair #netns", function()
  after_each(N.wipe)

  it("limits a link's rate with a tbf, read back by link_get and tc", function()
    if not N.needs() then return end
    pair()
    link_impair("ea", { ns = "a", rate = "10mbit" })
    assert.same({ qdisc = "tbf", rate = "10mbit" }, link_get("ea", { ns = "a" }).impair)
    local q = tc_root("ea", "a")
    assert.equal("tbf", q.kind)
    assert.equal(1250000, q.options.rate)
    assert.is_nil(link_get("eb", { ns = "b" }).impair)
  end)

  it("carries a bulk transfer at the rate asked, within 20%", function()
    if not N.needs() then return end
    pair()
    link_impair("ea", { ns = "a", rate = "20mbit" })
    local mbit = wire_mbit(5000000)	-- 2 s at 20 Mbit/s
    assert.is_true(mbit > 16 and mbit < 24, ("measured %.1f Mbit/s over a 20mbit link"):format(mbit))
  end)

  it("changes and removes it; false on a link without one does nothing", function()
    if not N.needs() then return end
    pair()
    link_impair("ea", { ns = "a", rate = "1gbit" })
    link_impair("ea", { ns = "a", rate = "500kbit", limit = 50 })
    assert.same({ qdisc = "tbf", rate = "500kbit" }, link_get("ea", { ns = "a" }).impair)
    link_impair("ea", false, { ns = "a" })
    assert.is_nil(link_get("ea", { ns = "a" }).impair)
    assert.not_equal("tbf", (tc_root("ea", "a") or {}).kind)
    link_impair("ea", false, { ns = "a" })
  end)

  it("refuses bad units, true, unknown keys and a missing link, naming the call", function()
    if not N.needs() then return end
    pair()
    local function msg(...) return tostring(N.err(link_impair, ...)) end
    assert.equal([[link_impair: ea: option 'delay': a time such as "50ms", "1s", "200us" expected, got '5 parsecs']],
      msg("ea", { ns = "a", delay = "5 parsecs" }))
    assert.matches("^link_impair: ea: option 'loss': a percentage", msg("ea", { ns = "a", loss = "101%" }))
    assert.equal([[link_impair: ea: option 'loss': a percentage such as "1%" (0 to 100), or "1% 25%" with a correlation, ]]
      .. [[expected, got '1% lots']], msg("ea", { ns = "a", loss = "1% lots" }))
    assert.matches("^link_impair: ea: option 'delay': a time such as", msg("ea", { ns = "a", delay = "5ms 25%" }))
    assert.matches([[^link_impair: ea: option 'jitter': a time such as "10ms", or "10ms 25%%" with a correlation, expected]],
      msg("ea", { ns = "a", delay = "5ms", jitter = "1ms 101%" }))
    assert.matches("^link_impair: ea: option 'rate': a rate such as", msg("ea", { ns = "a", rate = "fast" }))
    assert.equal("link_impair: ea: option 'jitter' needs a delay", msg("ea", { ns = "a", jitter = "5ms" }))
    assert.matches("^link_impair: ea: option 'reorder' needs a delay", msg("ea", { ns = "a", reorder = "5%" }))
    assert.equal("link_impair: ea: an impairment table or false expected, got true", msg("ea", true))
    assert.matches("^link_impair: unknown option 'dealy'", msg("ea", { dealy = "5ms" }))
    local e = N.err(link_impair, "nope", { ns = "a", rate = "1mbit" })
    assert.equal("link_impair: nope: No such device", tostring(e))
    assert.is_nil(link_get("ea", { ns = "a" }).impair)
  end)

  it("says which kernel option a missing netem needs", function()
    if not N.needs() then return end
    pair()
    local ok, e = pcall(link_impair, "ea", { ns = "a", delay = "50ms" })
    if ok then T.pending("this kernel has netem") return end
    assert.equal("link_impair: ea: this kernel has no netem (CONFIG_NET_SCH_NETEM)", tostring(e))
    assert.equal("ENOENT", e.code)
  end)

  it("delays: ping over a 50 ms link (both ends) takes at least 100 ms #kernel", function()
    if not N.needs() then return end
    pair()
    local before = ping_avg(3)
    assert.is_true(before < 20)
    K.make(link_impair, "ea", { ns = "a", delay = "50ms" })
    link_impair("eb", { ns = "b", delay = "50ms", jitter = "1ms" })
    assert.same({ qdisc = "netem", delay = "50ms", limit = 1000 }, link_get("ea", { ns = "a" }).impair)
    assert.same({ qdisc = "netem", delay = "50ms", jitter = "1ms", limit = 1000 },
      link_get("eb", { ns = "b" }).impair)
    local q = tc_root("ea", "a")
    assert.equal("netem", q.kind)
    assert.equal(0.05, q.options.delay.delay)
    local avg = ping_avg(5)
    assert.is_true(avg >= 100, "average RTT " .. tostring(avg) .. " ms")
    link_impair("ea", false, { ns = "a" })
    link_impair("eb", false, { ns = "b" })
    assert.is_true(ping_avg(3) < 20)
  end)

  it("loses everything at 100% loss, and nothing once removed #kernel", function()
    if not N.needs() then return end
    pair()
    K.make(link_impair, "ea", { ns = "a", loss = "100%" })
    assert.same({ qdisc = "netem", loss = "100%", limit = 1000 }, link_get("ea", { ns = "a" }).impair)
    local avg, r = ping_avg(5)
    assert.is_nil(avg)
    assert.matches("100%% packet loss", r.out)
    link_impair("ea", false, { ns = "a" })
    -- The ARP requests were lost too: the neighbour entry is FAILED and
    -- the first packet sent may meet it.  Wait until b answers once (up
    -- to 3 s), then nothing may be lost.
    local deadline = os.time() + 3
    repeat
      r = N.in_ns("a", "ping -n -q -c 1 -W 1 10.77.0.2")
    until r.code == 0 or os.time() > deadline
    assert.equal(0, r.code, r.out)
    r = select(2, ping_avg(3))
    assert.matches(" 0%% packet loss", r.out)
  end)

  it("reads back every netem setting, and a change drops what it does not repeat #kernel", function()
    if not N.needs() then return end
    pair()
    K.make(link_impair, "ea", { ns = "a", delay = "20ms", jitter = "5ms", loss = "1%",
      duplicate = "0.5%", corrupt = "2%", reorder = "25%", rate = "100mbit", limit = 500 })
    assert.same({ qdisc = "netem", delay = "20ms", jitter = "5ms", loss = "1%", duplicate = "0.5%",
      corrupt = "2%", reorder = "25%", rate = "100mbit", limit = 500 },
      link_get("ea", { ns = "a" }).impair)
    local o = tc_root("ea", "a").options
    assert.equal(500, o.limit)
    assert.equal(0.02, o.delay.delay)
    assert.equal(0.01, o["loss-random"].loss)
    link_impair("ea", { ns = "a", loss = "2%" })
    assert.same({ qdisc = "netem", loss = "2%", limit = 1000 }, link_get("ea", { ns = "a" }).impair)
    -- from netem to tbf and back, as tc qdisc replace does
    link_impair("ea", { ns = "a", rate = "10mbit" })
    assert.equal("tbf", link_get("ea", { ns = "a" }).impair.qdisc)
  end)

  it("sets and reads back correlations, as tc writes them (\"1% 25%\") #kernel", function()
    if not N.needs() then return end
    pair()
    K.make(link_impair, "ea", { ns = "a", delay = "20ms", jitter = "5ms 25%", loss = "1% 50%",
      duplicate = "2% 10%", corrupt = "3% 5%", reorder = "25% 50%" })
    assert.same({ qdisc = "netem", delay = "20ms", jitter = "5ms 25%", loss = "1% 50%", duplicate = "2% 10%",
      corrupt = "3% 5%", reorder = "25% 50%", limit = 1000 }, link_get("ea", { ns = "a" }).impair)
    local o = tc_root("ea", "a").options
    assert.equal(0.25, o.delay.correlation)
    assert.equal(0.5, o["loss-random"].correlation)
    -- a change without them drops them
    link_impair("ea", { ns = "a", loss = "1%" })
    assert.same({ qdisc = "netem", loss = "1%", limit = 1000 }, link_get("ea", { ns = "a" }).impair)
  end)

  it("limits the rate with netem too, with a delay, within 20% #kernel", function()
    if not N.needs() then return end
    pair()
    -- the lane's guest is emulated (one slow CPU): a rate it can fill
    K.make(link_impair, "ea", { ns = "a", rate = "4mbit", delay = "1ms" })
    local mbit = wire_mbit(1000000)	-- 2 s at 4 Mbit/s
    assert.is_true(mbit > 3.2 and mbit < 4.8, ("measured %.2f Mbit/s over a 4mbit link"):format(mbit))
  end)

  it("leaves nothing behind", function()
    if not N.needs() then return end
    N.assert_clean()
  end)
end)
