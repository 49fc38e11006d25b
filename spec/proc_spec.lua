-- The process handle: background processes (of ns_exec, spawn,
-- pid_exec) that never outlive the script.
local T = require "spec.support.util"
local nt = require "nsl.test"

local arg_error, need_sandbox = T.arg_error, T.need_sandbox

local nsl_script = T.run_script

-- Does pid have a SIGTERM handler (the SigCgt bit that stopping it reads)?
local function catches_term(pid)
  local hex = T.slurp("/proc/" .. pid .. "/status"):match("SigCgt:%s*(%x+)")
  return hex ~= nil and (tonumber(hex, 16) >> 14) & 1 == 1
end

describe("process handles #netns", function()
  local ns

  before_each(function()
    if not T.sandboxed() then return end
    ns = "nslh" .. math.random(1e6)
    assert.equal(0, T.sh("ip netns add " .. ns).code)
  end)

  after_each(function()
    if ns then T.sh("ip netns del " .. ns) end
    ns = nil
  end)

  it("has a pid, runs, is killed by name, and waits (twice, the same answer)", function()
    if not need_sandbox() then return end
    local h = ns_exec(ns, { "sleep", "100" }, { background = true })
    assert.is_number(h.pid)
    assert.is_true(h:running())
    assert.matches("^process %d+ %(running%)$", tostring(h))
    assert.is_nil(h:wait(0.05))
    assert.is_true(h:kill("TERM"))
    local r = h:wait()
    assert.equal("TERM", r.signal)
    assert.is_false(h:running())
    assert.equal(r, h:wait())
    assert.equal(r, h:wait(1))
    assert.is_false(h:kill())       -- already ended
    assert.matches("killed by TERM", tostring(h))
    assert.equal(1, T.sh("kill -0 " .. h.pid).code) -- reaped: no zombie
  end)

  it("reaps a finished background process at the next start, before its handle is asked", function()
    if not need_sandbox() then return end
    local h = ns_exec(ns, { "true" }, { background = true })
    local pid = h.pid
    for _ = 1, 100 do
      if T.sh("ps -o stat= -p " .. pid).out:match("^Z") then break end
      sleep(0.01)
    end
    ns_exec(ns, { "true" })
    assert.equal("", T.sh("ps -o stat= -p " .. pid).out) -- gone: reaped
    assert.equal(0, h:wait().code)                       -- and the handle still knows
  end)

  it("takes signals by number and SIG name; refuses unknown ones", function()
    if not need_sandbox() then return end
    local h = ns_exec(ns, { "sleep", "100" }, { background = true })
    arg_error(function() h:kill("NOPE") end, 1, "kill", "unknown signal 'NOPE'")
    h:kill("SIGUSR1")
    assert.equal("USR1", h:wait().signal)
    h = ns_exec(ns, { "sleep", "100" }, { background = true })
    h:kill(9)
    assert.equal("KILL", h:wait().signal)
  end)

  it("gives output so far, takes writes, and EOF on close_stdin", function()
    if not need_sandbox() then return end
    local h = ns_exec(ns, { "cat" }, { background = true, capture = true, stdin = true })
    h:write("hello ")
    h:write("world")
    local out
    for _ = 1, 100 do
      out = h:output()
      if out == "hello world" then break end
      sleep(0.01)
    end
    assert.equal("hello world", out)
    h:close_stdin()
    local r = h:wait(5)
    assert.equal(0, r.code)
    assert.equal("hello world", r.stdout)
    local ok, err = pcall(h.write, h, "more")
    assert.is_false(ok)
    assert.matches("^write: process %d+: stdin is closed$", tostring(err))
  end)

  it("refuses a write to a closed handle, and output() when nothing was captured", function()
    if not need_sandbox() then return end
    local h = ns_exec(ns, { "cat" }, { background = true, stdin = true })
    h:close()
    assert.has_error(function() h:write("x") end)
    assert.is_table(h:wait())
    assert.has_error(function() h:output() end)
  end)

  it("stops PID 1 of a PID namespace at once when it has no SIGTERM handler", function()
    if not need_sandbox() then return end
    local h = spawn({ "sleep", "100" }, { unshare = { "pid" }, background = true })
    local t0 = now()
    h:close()
    -- (the default grace is 2 s: a close that waited for it still fails)
    assert.is_true(now() - t0 < 1.5, "took " .. (now() - t0) .. " s")
    assert.equal("KILL", h:wait().signal)
    -- one with a handler gets SIGTERM and its grace period; closed once
    -- the shell has set its trap (close reads SigCgt: before the trap it
    -- would rightly get SIGKILL at once)
    h = spawn("trap 'exit 7' TERM; sleep 100 & wait", { unshare = { "pid" }, background = true })
    nt.eventually(function() return catches_term(h.pid), "no TERM handler" end)
    h:close()
    assert.equal(7, h:wait().code)
  end)

  it("stops the process when a <close> variable goes out of scope", function()
    if not need_sandbox() then return end
    local pid
    do
      local h <close> = ns_exec(ns, { "sleep", "100" }, { background = true })
      pid = h.pid
    end
    assert.equal(1, T.sh("kill -0 " .. pid).code)
  end)

  it("keeps a background process whose handle the script dropped running through garbage collection", function()
    if not need_sandbox() then return end
    local r = nsl_script(string.format([[
      ns_exec(%q, { "sleep", "1001.5" }, { background = true })   -- no variable: dropped at once
      for _ = 1, 3 do collectgarbage() end
      local alive = os.execute("pgrep -f 'sleep 1001[.]5' >/dev/null")
      local h = spawn({ "true" }, { background = true })          -- an ended one is let go of
      h:wait(5); h = nil
      collectgarbage(); collectgarbage()
      print(alive and "running" or "stopped")
    ]], ns))
    assert.equal(0, r.code, r.err)
    assert.equal("running\n", r.out)
    assert.equal(1, T.sh("pgrep -f 'sleep 1001[.]5'").code, "stopped at the end of the script")
  end)

  it("lets Ctrl-C/SIGTERM interrupt a wait", function()
    if not need_sandbox() then return end
    local r = nsl_script(string.format([[
      local h = ns_exec(%q, {"sleep", "100"}, {background = true})
      io.stdout:write(h.pid, "\n"); io.stdout:flush()
      os.execute("kill -TERM $PPID")
      h:wait()
      print("not reached")
    ]], ns))
    assert.equal(143, r.code)
    local pid = r.out:match("^(%d+)")
    assert.truthy(pid)
    assert.not_matches("not reached", r.out)
    assert.equal(1, T.sh("kill -0 " .. pid).code)
  end)

  it("stops a foreground command when Ctrl-C or SIGTERM interrupts its wait", function()
    if not need_sandbox() then return end
    for _, sig in ipairs({ { "INT", 130 }, { "TERM", 143 } }) do
      local t0 = now()
      local r = nsl_script(string.format([[
        ns_exec(%q, "kill -%s $PPID; exec sleep 100.%d")
        print("not reached")
      ]], ns, sig[1], sig[2]))
      assert.equal(sig[2], r.code, r.err)
      assert.not_matches("not reached", r.out)
      assert.is_true(now() - t0 < 3)
      assert.equal(1, T.sh("pgrep -f 'sleep 100[.]" .. sig[2] .. "'").code)
    end
  end)

  it("stops every background process at the end of a script, in parallel", function()
    if not need_sandbox() then return end
    for _, ending in ipairs({ "", "error('boom')", "os.exit(0)" }) do
      local r = nsl_script(string.format([[
        local hs = {}
        for i = 1, 3 do
          -- PID 1 of a namespace whose SIGTERM handler does not end it
          -- (its sleep dies, the loop starts another): it needs the whole
          -- grace period (without a handler it gets SIGKILL at once)
          hs[i] = spawn({"sh", "-c", "trap : TERM; while :; do sleep 1000." .. i .. "; done"},
            {unshare = {"pid"}, background = true, grace = 1.5})
        end
        hs[4] = ns_exec(%q, "trap '' TERM; sleep 1000.4", {background = true, grace = 1.5})
        -- the stop is timed from here, once the shells have their traps
        local function has(pid, field)
          local f = io.open("/proc/" .. pid .. "/status")
          local hex = f and f:read("a"):match(field .. ":%%s*(%%x+)")
          if f then f:close() end
          return hex and (tonumber(hex, 16) >> 14) & 1 == 1
        end
        for i = 1, 4 do
          local deadline = now() + 5
          while not has(hs[i].pid, i < 4 and "SigCgt" or "SigIgn") and now() < deadline do sleep(0.01) end
        end
        hs = nil
        print(now())
        %s
      ]], ns, ending))
      local took = now() - assert(tonumber(r.out:match("^(%S+)\n")), r.out .. r.err)
      -- one grace period of 1.5 s for all four: stopping them one by one
      -- would take at least 6 s; the rest is room for a loaded machine
      assert.is_true(took < 4, "took " .. took .. "s for: " .. ending .. " " .. r.err)
      assert.equal(1, T.sh("pgrep -f 'sleep 100[0]'").code, "left running after: " .. ending)
    end
  end)
end)
