-- S8: a bad network and a broken one.  Client a reaches server b through
-- router r over a flaky, slow link; a partition cuts a off, heal brings
-- it back, and a TCP transfer from a to b completes over it all.  Built
-- from a topology description, the faults injected with its methods.
--
-- Run as root: nsl examples/s8_faults.lua
local nsl = require "nsl"
local check = require "nsl.check"

local t <close> = nsl.topology {
  namespaces = {
    r = { sysctl = { ["net.ipv4.ip_forward"] = 1 } },
    a = { routes = { default = "r" } },
    b = { routes = { default = "r" } },
  },
  links = {
    { "a", "r", subnet = "10.81.0.0/24", impair = { rate = "20mbit" } },  -- slow, both ways
    { "b", "r", subnet = "10.82.0.0/24" },
  },
}

check.step("up, with the a-r link limited to 20 Mbit/s")
t:up()
check.eq(link_get(t:link_name("a", "eth0"), { ns = t:name("a") }).impair.rate, "20mbit", "a's end is at 20mbit")

-- flaky too when the kernel has netem (a stock kernel does)
local flaky = pcall(t.impair, t, "a", "r", { a = { delay = "10ms", loss = "2%", rate = "20mbit" } })
check.step(flaky and "a-r also loses 2% and adds 10 ms from a" or "no netem here: a-r stays only slow")

local server <close> = listen("tcp", t:addr("b") .. ":5001", { ns = t:name("b") })

-- Sends n bytes from a to b over one TCP connection, in chunks the
-- server reads as they come; returns how many arrived.
local function transfer(n)
  local c <close> = connect("tcp", t:addr("b") .. ":5001", { ns = t:name("a") })
  local s <close> = server:accept(5)
  if not s then return 0 end
  local chunk, got = string.rep("x", 65536), 0
  for _ = 1, n // #chunk do
    c:send(chunk)
    local want = got + #chunk
    while got < want do
      local data = s:recv(want - got, 10)
      if not data or data == "" then return got end
      got = got + #data
    end
  end
  return got
end

check.step("a TCP transfer from a to b")
check.eq(transfer(2 * 1024 * 1024), 2 * 1024 * 1024, "2 MiB arrive")

check.step("partition: a cut off from r and b")
check.eq(t:partition({ "a" }, { "r", "b" }), 1, "one link cut")
local ok, err = pcall(connect, "tcp", t:addr("b") .. ":5001", { ns = t:name("a") })
check.ok(not ok and err.code == "ENETUNREACH", "a cannot reach b", err)
t:show()

check.step("heal")
check.eq(t:heal(), 1, "the cut link is back")
local moved = 0
for _ = 1, 50 do	-- the link's routes are back; its carrier may take a moment
  ok, moved = pcall(transfer, 1024 * 1024)
  if ok then break end
  sleep(0.1)
end
check.eq(moved, 1024 * 1024, "a 1 MiB transfer completes again")

t:down()
os.exit(check.finish())
