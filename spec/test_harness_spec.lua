-- nsl.test, the harness for testing networked software: its functions,
-- worlds in this suite, and child busted processes for what only a whole
-- run shows (two runs at once, a failing test's artifacts, JUnit, pending
-- without privileges).
local T = require "spec.support.util"
local nt = require "nsl.test"

local FIXTURE = "spec/fixtures/nsl_test/worlds.lua"

-- busted over the fixture, from the source tree (so .busted applies).
local function busted_cmd(extra)
  return string.format("busted --lua=%s %s %s", T.quote(T.nsl), extra or "", FIXTURE)
end

describe("nsl.test #unit", function()
  it("matches JSON subsets: only the keys given are compared", function()
    assert.is_true(nt.json_subset({ a = 1, b = { c = { 1, 2, 3 }, d = "x" } }, { b = { c = { 1, 2 } } }))
    local ok, where, seen, want = nt.json_subset({ a = { b = { 1, 5 } } }, { a = { b = { 1, 2 } } })
    assert.same({ false, "$.a.b[2]", 5, 2 }, { ok, where, seen, want })
    assert.same({ false, "$.z", nil, true }, { nt.json_subset({}, { z = true }) })
  end)

  it("asserts JSON subsets on text and tables, showing what it saw", function()
    assert.matches_json('{"status": "ok", "n": [1, 2]}', { status = "ok" })
    assert.matches_json({ a = { b = 1, c = 2 } }, { a = { b = 1 } })
    local ok, err = pcall(assert.matches_json, '{"status": "down"}', { status = "ok" })
    assert.is_false(ok)
    assert.matches('Expected the JSON to match at %$%.status:\nexpected "ok"\n     got "down"', tostring(err))
    ok, err = pcall(assert.matches_json, "{not json", {})
    assert.is_false(ok)
    assert.matches("decoding failed", tostring(err))
  end)

  it("eventually returns the first truthy value", function()
    local n = 0
    local t0 = now()
    assert.equal(3, nt.eventually(function() n = n + 1; return n >= 3 and n end, { interval = 1 }))
    -- the first retries come after 1 and 2 ms: without that back-off,
    -- two waits of the interval would take 2 s (the rest is room for a
    -- loaded machine's late wake-ups)
    assert.is_true(now() - t0 < 0.5, "took " .. (now() - t0) .. " s")
    n = 0
    assert.equal("ok", nt.eventually(function()
      n = n + 1
      if n < 3 then error("not yet") end
      return "ok"
    end))
  end)

  it("eventually raises the last failure with how long it waited", function()
    local ok, err = pcall(nt.eventually, function() return false, "the port is closed" end,
      { timeout = 0.2, interval = 0.05 })
    assert.is_false(ok)
    assert.matches("^.-eventually: still failing after 0%.%d%ds %(%d+ tries%): the port is closed$", tostring(err))
    ok, err = pcall(nt.eventually, function() assert.equal(1, 2) end, { timeout = 0.1 })
    assert.is_false(ok)
    -- (at least the 0.1 s timeout; a late wake-up on a loaded machine may add to it)
    assert.matches("eventually: still failing after 0%.[1-9]%ds .*Expected objects to be equal", tostring(err))
  end)

  it("refuses a bad description naming the spec's line", function()
    local ok, err = pcall(function() nt.world({ namespaces = { "a" }, links = { { "a", "zz" } } }) end)
    assert.is_false(ok)
    assert.matches("^spec/test_harness_spec%.lua:%d+: topology: link a%-zz: 'zz' is not a described", tostring(err))
    ok, err = pcall(nt.world, { namespaces = { "a" } }, { scope = "suite" })
    assert.is_false(ok)
    assert.matches("scope must be \"test\" or \"file\"", tostring(err))
  end)

  it("says whether this process may build worlds", function()
    local ok, why = nt.privileged()
    if not ok then assert.matches("CAP_SYS_ADMIN", why) end
  end)
end)

describe("errors of primitives #unit", function()
  it("carry the line of the caller outside nsl's library", function()
    local ok, err = pcall(nsl.fail, "p", "o", "why")
    assert.is_false(ok)
    assert.matches("^spec/test_harness_spec%.lua:%d+$", err.where)
    assert.equal("p: o: why", tostring(err))
  end)

  it("print it on one line when uncaught, with a traceback under NSL_DEBUG=1", function()
    local path, dir = T.script("local x = 1\nlink_set('eth9', { up = true })\n")
    finally(function() T.rm(dir) end)
    local r = T.run({ path })
    assert.equal(1, r.code)
    assert.matches("^nsl: " .. path:gsub("%p", "%%%0") .. ":2: link_set: eth9: [^\n]*\n$", r.err)
    r = T.run({ path }, { env = { NSL_DEBUG = "1" } })
    assert.matches("^nsl: " .. path:gsub("%p", "%%%0") .. ":2: link_set: eth9: ", r.err)
    assert.matches("stack traceback:", r.err)
  end)

  it("and a refused topology description names the script's line", function()
    local path, dir = T.script('local x = 1\nlocal t = nsl.topology { namespaces = { "a" }, links = { { "a", "b" } } }\n')
    finally(function() T.rm(dir) end)
    local r = T.run({ path })
    assert.equal(1, r.code)
    assert.matches("^nsl: " .. path:gsub("%p", "%%%0") .. ":2: topology: link a%-b: 'b' is not", r.err)
  end)
end)

if T.sandboxed() then
  describe("a world #netns", function()
    local w = nt.world(function(w)
      return {
        namespaces = { "c", "s", "far" },
        links = { { "c", "s", subnet = "10.66.0.0/24" } },
        services = {
          tcp = { ns = "s", cmd = { "socat", "-d", "-d", "TCP-LISTEN:80,fork,reuseaddr",
                                    "SYSTEM:cat " .. w:file("www/index.txt", "hello\n") },
                  ready = { port = 80 } },
          udp = { ns = "s", cmd = { "socat", "UDP-RECVFROM:53,fork", "SYSTEM:read x; echo answer" },
                  ready = { udp = 53 } },
        },
      }
    end)
    local prefixes = {}

    it("is up in each test under a prefix of its own", function()
      local a = w:name("c")
      assert.matches("^w%w+%-c$", a)
      assert.is_true(ns_exists(a))
      prefixes[#prefixes + 1] = a
    end)

    it("gets a fresh prefix in the next test", function()
      assert.is_true(#prefixes == 1 and prefixes[1] ~= w:name("c"))
      assert.is_false(ns_exists(prefixes[1]))
    end)

    it("reaches, listens, and shows what it saw when it does not", function()
      assert.reaches(w, "c", "s")
      assert.not_reaches(w, "c", "far")
      assert.listens(w, "s", 80)
      assert.listens(w, "s", 53, "udp")
      assert.is_true(nt.listening(w, "s", 80, "tcp"))
      local ok, seen = nt.listening(w, "s", 81)
      assert.is_false(ok)
      assert.equal("nothing listens on tcp port 81 in s (listening: 0.0.0.0:80)", seen)
      local ok2, err = pcall(assert.reaches, w, "c", "far")
      assert.is_false(ok2)
      assert.matches("Expected c to reach far, but it did not:\nfar has no address", tostring(err))
      ok2, err = pcall(assert.listens, w, "s", 81)
      assert.is_false(ok2)
      assert.matches("Expected s to listen on tcp port 81: nothing listens", tostring(err))
    end)

    it("keeps each service's output in a log of the test", function()
      local r = w:exec("c", { "socat", "-", "TCP:" .. w:addr("s") .. ":80" }, { stdin = "" })
      assert.equal("hello\n", r.stdout)
      nt.eventually(function() return nt.log_matches(w, "tcp", "accepting connection") end)
      assert.matches("listening on", w:logs("tcp"))
      assert.equal("", w:logs("udp"))
      assert.has_error(function() w:logs("nope") end, "nsl.test: no service named nope")
      assert.is_true(nt.file_exists(w, "s", w:log_path("tcp")))
      assert.is_false((nt.file_exists(w, "s", "/nonexistent")))
    end)

    it("records packets to a pcap file that tcpdump reads", function()
      local file = w:capture("s:eth0", { filter = "icmp" })   -- as w:capture("s", "eth0", ...)
      assert.reaches(w, "c", "s")
      w:stop_captures()
      local r = T.sh("tcpdump -n -r " .. T.quote(file))
      assert.equal(0, r.code, r.err)
      assert.matches("ICMP echo request", r.out)
      assert.not_matches("ARP", r.out)
    end)

    it("names the spec's line in the errors of its methods and of the topology's", function()
      local line = debug.getinfo(1, "l").currentline
      local ok, err = pcall(w.capture, w, "s", "eth9")
      assert.is_false(ok)
      assert.equal("spec/test_harness_spec.lua:" .. (line + 1) .. ": topology: s has no interface eth9", err)
      ok, err = pcall(function() w:link_down("c", "zz") end)
      assert.is_false(ok)
      assert.equal("spec/test_harness_spec.lua:" .. (line + 4) .. ": topology: link_down: no node named zz", err)
      ok, err = pcall(function() w:logs("nope") end)
      assert.is_false(ok)
      assert.equal("spec/test_harness_spec.lua:" .. (line + 7) .. ": nsl.test: no service named nope", err)
      ok, err = pcall(function() w:capture("s:eth0", { filter = "icmpp" }) end)
      assert.is_false(ok)
      assert.matches("^spec/test_harness_spec%.lua:" .. (line + 10) .. ": nsl%.test: capture on s eth0: capture: " ..
        "[%w-]+: filter 'icmpp': can't parse filter expression: syntax error$", err)
      ok, err = pcall(function() w:capture("s:eth0", { filtr = "icmp" }) end)
      assert.is_false(ok)
      assert.equal("spec/test_harness_spec.lua:" .. (line + 14) .. ": nsl.test: capture on s eth0: " ..
        "capture: unknown option 'filtr' (did you mean 'filter'?)", err)
    end)

    it("delegates to the topology", function()
      assert.matches("^10%.66%.0%.%d$", w:addr("s"))
      assert.is_true(w:service("tcp"):running())
      assert.matches("namespace c", w:report())
      assert.is_nil(w.nosuchmethod)
    end)
  end)
end

if T.sandboxed() then
  describe("a world for the whole file #netns", function()
    local w = nt.world({ namespaces = { "x", "y" }, links = { { "x", "y", subnet = "10.55.0.0/30" } } },
      { scope = "file" })
    local first

    it("is up in the first test", function()
      first = w:name("x")
      assert.reaches(w, "x", "y")
    end)

    it("is the same one in the next", function()
      assert.equal(first, w:name("x"))
      assert.is_true(ns_exists(first))
    end)
  end)
end

if T.sandboxed() then
  describe("a world over IPv6 #netns", function()
    local w = nt.world { namespaces = { "p", "q" },
                         links = { { "p", "q", address = { p = "fd00:77::1/64", q = "fd00:77::2/64" } } } }

    it("reaches a node by the family asked for", function()
      local ok, addr = nt.eventually(function() return nt.reachable(w, "p", "q", "inet6") end)
      assert.is_true(ok)
      assert.equal("fd00:77::2", addr)
      local no, seen = nt.reachable(w, "p", "q", "inet")
      assert.is_false(no)
      assert.equal("q has no inet address", seen)
    end)
  end)
end

describe("busted runs with worlds #netns", function()
  local dir
  before_each(function() dir = T.tmpdir() end)
  after_each(function() T.rm(dir) end)

  it("two processes at once never collide", function()
    if not T.need_sandbox() then return end
    local hold = dir .. "/hold"
    local hs = {}
    for i = 1, 2 do
      hs[i] = spawn({ "sh", "-c", busted_cmd() }, { background = true, capture = true,
        env = { NSL_TEST_HOLD = hold, NSL_TEST_ME = tostring(i), TMPDIR = dir } })
    end
    -- both worlds are up at once
    local deadline = now() + 30
    local function exists(path)
      local f = io.open(path)
      if f then f:close() end
      return f ~= nil
    end
    while not (exists(hold .. ".1") and exists(hold .. ".2")) do
      assert.is_true(now() < deadline, "the two runs did not start")
      sleep(0.05)
    end
    local names = T.sh("ip netns list").out
    local pfx = {}
    for p in names:gmatch("(w%w+%-)a") do pfx[#pfx + 1] = p end
    assert.equal(2, #pfx, names)
    assert.are_not.equal(pfx[1], pfx[2])
    T.write(hold .. ".go", "")
    for i = 1, 2 do
      local r = hs[i]:wait(60)
      assert.is_table(r, "run " .. i .. " did not end")
      assert.equal(0, r.code, r.stdout .. r.stderr)
      assert.matches("1 passed, 0 failed, 0 skipped", r.stdout)
    end
    assert.equal("", T.sh("ip netns list").out)
  end)

  it("a failing test leaves its artifacts and names them; a passing one nothing", function()
    if not T.need_sandbox() then return end
    local art = dir .. "/art"
    local r = T.sh(string.format("NSL_TEST_FAIL=1 NSL_ARTIFACTS=%s TMPDIR=%s %s", T.quote(art),
      T.quote(dir), busted_cmd()))
    assert.equal(1, r.code, r.out .. r.err)
    assert.matches("1 passed, 1 failed, 0 skipped", r.out)
    local folder = art .. "/worlds.lua/fixture_world_fails"
    assert.matches("nsl.test: artifacts of the failed test \"fixture world fails\" in " ..
      folder:gsub("%p", "%%%0") .. "/", r.err)
    assert.matches("artifacts in " .. folder:gsub("%p", "%%%0"), r.out)
    assert.equal("fixture_world_fails\n", T.sh("ls " .. T.quote(art .. "/worlds.lua")).out)
    assert.equal("captures\ncommands.txt\nfailure.txt\nlogs\nreport.txt\ntopology.dot\n",
      T.sh("ls " .. T.quote(folder)).out)
    assert.matches("Expected b to listen on tcp port 7001: nothing listens on tcp port 7001 in b",
      T.slurp(folder .. "/failure.txt"))
    local report = T.slurp(folder .. "/report.txt")
    assert.matches("namespace a %(w%w+%-a%)", report)
    assert.matches("srv +%d+ +running", report)
    assert.matches("^graph", T.slurp(folder .. "/topology.dot"))
    assert.matches("listening on", T.slurp(folder .. "/logs/srv.log"))
    local cmds = T.slurp(folder .. "/commands.txt")
    assert.matches("exit 4\n%-%-%- stdout\nto stdout\n\n%-%-%- stderr\nto stderr", cmds)
    local pcap = T.sh("tcpdump -n -r " .. T.quote(folder .. "/captures/a-eth0.pcap"))
    assert.matches("ICMP echo request", pcap.out)
    -- the private folders of both tests are gone
    assert.equal("art\n", T.sh("ls " .. T.quote(dir)).out)
  end)

  it("busted -o junit names the artifacts in the failure", function()
    if not T.need_sandbox() then return end
    local r = T.sh(string.format("NSL_TEST_FAIL=1 NSL_ARTIFACTS=%s TMPDIR=%s %s", T.quote(dir .. "/art"),
      T.quote(dir), busted_cmd("-o junit")))
    assert.equal(1, r.code)
    assert.matches("<testsuites [^>]*failures='1'", r.out)
    assert.matches("<testsuites [^>]*tests='2'", r.out)
    assert.matches("<failure>.-Expected b to listen on tcp port 7001.-nsl.test: artifacts in " ..
      (dir .. "/art/worlds.lua/fixture_world_fails"):gsub("%p", "%%%0") .. ".-</failure>", r.out)
  end)

  it("eventually's timeout is a failure of the test (as an assertion's), not an error", function()
    T.write(dir .. "/ev_spec.lua", [[
      local nt = require "nsl.test"
      describe("eventually", function()
        it("times out", function()
          nt.eventually(function() return false, "the port is closed" end, { timeout = 0.05 })
        end)
        it("times out on an assertion", function()
          nt.eventually(function() assert.equal(1, 2) end, { timeout = 0.05 })
        end)
      end)
    ]])
    local r = T.sh(string.format("busted --lua=%s -o utfTerminal %s", T.quote(T.nsl), T.quote(dir .. "/ev_spec.lua")))
    assert.equal(1, r.code, r.out .. r.err)
    assert.matches("0 successes / 2 failures / 0 errors / 0 pending", r.out, 1, true)
    -- (0.05 s and what a late wake-up on a loaded machine adds)
    assert.matches("ev_spec.lua:4: eventually: still failing after 0%.%d%ds %(%d+ tries%): the port is closed", r.out)
    os.remove(dir .. "/ev_spec.lua")
  end)

  it("outside the privileges, a world's tests are pending with how to run them", function()
    if not T.need_sandbox() then return end
    local r = T.sh("setpriv --inh-caps=-all --bounding-set=-all --no-new-privs " ..
      string.format("env NSL_ROOTLESS=0 NSL_ARTIFACTS=%s ", T.quote(dir .. "/art")) .. busted_cmd("-o utfTerminal"))
    assert.equal(0, r.code, r.out .. r.err)
    assert.matches("0 successes / 0 failures / 0 errors / 1 pending", r.out)
    assert.matches("worlds.lua:%d+: nsl.test: building a world needs CAP_SYS_ADMIN and CAP_NET_ADMIN; " ..
      "run the suite as root", r.out)
    assert.equal("", T.sh("ls -A " .. T.quote(dir)).out)
  end)
end)

describe("examples/test, nginx as a reverse proxy tested with nsl.test #netns #examples", function()
  local dir
  before_each(function() dir = T.tmpdir() end)
  after_each(function() T.rm(dir) end)

  local function run(args)
    return T.sh(string.format("cd examples/test && NSL_ARTIFACTS=%s TMPDIR=%s busted --lua=%s -o utfTerminal %s .",
      T.quote(dir .. "/art"), T.quote(dir), T.quote(T.nsl), args))
  end

  local function needs()
    if not T.need_sandbox() then return false end
    if T.sh("command -v nginx && command -v curl && command -v tcpdump").code ~= 0 then
      pending("nginx, curl or tcpdump is not installed (make deps)")
      return false
    end
    return true
  end

  it("passes, and leaves nothing behind", function()
    if not needs() then return end
    local r = run("--exclude-tags=demo_failure")
    assert.equal(0, r.code, r.out .. r.err)
    assert.matches("6 successes / 0 failures / 0 errors / 0 pending", r.out)
    assert.equal("", T.sh("ls -A " .. T.quote(dir)).out)
    assert.equal("", T.sh("ip netns list").out)
  end)

  it("shows a failing test's artifacts", function()
    if not needs() then return end
    local r = run("--tags=demo_failure")
    assert.equal(1, r.code, r.out .. r.err)
    assert.matches("0 successes / 1 failure / 0 errors / 0 pending", r.out)
    local folder = dir .. "/art/proxy_spec.lua/nginx_as_a_reverse_proxy_fails_on_purpose_to_show_its_artifacts"
    assert.matches("artifacts in " .. folder:gsub("%p", "%%%0") .. "/", r.out)
    assert.matches("in " .. folder:gsub("%p", "%%%0") .. "/\n", r.err)
    assert.equal("captures\ncommands.txt\nfailure.txt\nlogs\nreport.txt\ntopology.dot\n",
      T.sh("ls " .. T.quote(folder)).out)
    assert.equal("backend1.log\nbackend2.log\nproxy.log\n", T.sh("ls " .. T.quote(folder .. "/logs")).out)
    assert.equal("client-eth0.pcap\nproxy-eth1.pcap\nrouter-eth1.pcap\nrouter-eth2.pcap\n",
      T.sh("ls " .. T.quote(folder .. "/captures")).out)
    assert.matches("Expected client to reach backend2, but it did not", T.slurp(folder .. "/failure.txt"))
    assert.matches("curl: %(7%)", T.slurp(folder .. "/commands.txt"))
    assert.matches("GET / HTTP/1%.1\" 200", T.slurp(folder .. "/logs/proxy.log"))
    local pcap = T.sh("tcpdump -n -r " .. T.quote(folder .. "/captures/client-eth0.pcap"))
    assert.matches("ICMP echo request", pcap.out)
    assert.matches("%.80: Flags %[S%]", pcap.out)
    assert.equal("", T.sh("ip netns list").out)
  end)
end)
