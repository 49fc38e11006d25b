-- listen, connect and the socket handle: timeouts and the argument
-- mistakes of its methods.
local T = require "spec.support.util"
local N = require "spec.support.net"

-- The local port of listening socket s, found by its inode (other
-- programs may listen on 127.0.0.1 too, outside the sandbox).
local function port_of(s)
  local pid = require("nsl.record").self().id:match("^%d+")
  local ino = tonumber(T.sh("readlink /proc/" .. pid .. "/fd/" .. s:fd()).out:match("socket:%[(%d+)%]"))
  for _, x in ipairs(sock_list({ state = "listen", proto = "tcp" })) do
    if x.inode == ino then return x.port end
  end
end

describe("socket timeouts #unit", function()
  it("refuse NaN, a negative number and infinity in every reader, as argument errors", function()
    local s <close> = listen("tcp", "127.0.0.1:0")
    for _, bad in ipairs({ 0 / 0, -1, -0.5, math.huge }) do
      T.arg_error(function() s:accept(bad) end, 1, "accept", "expected a non-negative number of seconds")
      T.arg_error(function() s:recv(10, bad) end, 2, "recv", "expected a non-negative number of seconds")
      T.nsl_error(function() connect("tcp", "127.0.0.1:1", { timeout = bad }) end,
        "connect: option 'timeout': expected a non-negative number of seconds")
      T.arg_error(function() sleep(bad) end, 1, "sleep", "expected a non-negative number of seconds")
      local h = spawn({ "true" }, { background = true })
      T.arg_error(function() h:wait(bad) end, 1, "wait", "expected a non-negative number of seconds")
      h:wait()
      T.nsl_error(function() spawn({ "true" }, { timeout = bad }) end,
        "spawn: option 'timeout': expected a non-negative number of seconds")
    end
    T.nsl_error(function() connect("tcp", "127.0.0.1:1", { timeout = "1" }) end,
      "connect: option 'timeout': number of seconds expected, got string")
    T.nsl_error(function() connect("tcp", "127.0.0.1:1", { timeot = 1 }) end,
      "connect: unknown option 'timeot' (did you mean 'timeout'?)")
  end)

  it("accept returns nil once its timeout passes, and 0 is a poll", function()
    local s <close> = listen("tcp", "127.0.0.1:0")
    local t0 = now()
    assert.is_nil(s:accept(0))
    assert.is_nil(s:accept(0.2))
    local took = now() - t0
    assert.is_true(took >= 0.2 and took < 1, "took " .. took)
    -- a connection already waiting is taken by accept(0)
    local c <close> = connect("tcp", "127.0.0.1:" .. port_of(s), { timeout = 0 })
    local a <close> = s:accept(0)
    assert.is_not_nil(a)
    c:send("x")
    assert.equal("x", a:recv(1, 5))
  end)
end)

describe("accept #unit", function()
  it("on a UDP socket or a connected one is an argument error, not a kernel errno", function()
    local u <close> = listen("udp", "127.0.0.1:0")
    local ok, err = pcall(function() return u:accept(0) end)
    assert.is_false(ok)
    assert.matches("bad self %(a listening TCP or UNIX socket expected, got a UDP socket%)", tostring(err))
    local l <close> = listen("tcp", "127.0.0.1:0")
    local c <close> = connect("tcp", "127.0.0.1:" .. port_of(l), { timeout = 5 })
    ok, err = pcall(function() return c:accept(0) end)
    assert.is_false(ok)
    assert.matches("bad self %(a listening TCP or UNIX socket expected, got a connected one%)", tostring(err))
    local a <close> = l:accept(5)
    assert.is_not_nil(a)
  end)
end)

describe("connect's timeout #netns", function()
  before_each(N.wipe)
  after_each(N.wipe)

  it("gives up after timeout seconds with ETIMEDOUT where nothing answers", function()
    if not N.needs() then return end
    -- the SYN goes to a namespace that drops it (a fixed neighbour, no
    -- ARP to fail): the kernel alone would retry for minutes
    assert.equal(0, T.sh("ip netns add sk-a && ip netns add sk-b && " ..
      "ip -n sk-a link add v0 type veth peer name v1 netns sk-b && " ..
      "ip -n sk-a addr add 10.93.0.1/24 dev v0 && ip -n sk-a link set v0 up && " ..
      "ip -n sk-b link set v1 up && ip -n sk-a link set lo up && " ..
      "ip -n sk-a neigh add 10.93.0.2 lladdr 02:00:00:00:00:02 dev v0 nud permanent").code)
    local t0 = now()
    local ok, err = pcall(connect, "tcp", "10.93.0.2:80", { ns = "sk-a", timeout = 0.3 })
    local took = now() - t0
    assert.is_false(ok)
    assert.equal("connect: 10.93.0.2:80: Connection timed out", tostring(err))
    assert.equal("ETIMEDOUT", err.code)
    assert.is_true(took >= 0.3 and took < 2, "took " .. took)
    -- and one that answers connects well within it, into a blocking handle
    local s <close> = listen("tcp", "10.93.0.1:8081", { ns = "sk-a" })
    local c <close> = connect("tcp", "10.93.0.1:8081", { ns = "sk-a", timeout = 5 })
    local a <close> = s:accept(5)
    c:send("hi")
    assert.equal("hi", a:recv(10, 5))
    assert.is_nil(a:recv(10, 0.05))
  end)
end)
