-- Trust under faults: a signal at every step of a run, then the same at
-- random instants.  The shim (src/tools/faultshim.c, LD_PRELOAD) raises
-- the signal just before the Nth system call that acts on the kernel
-- (netlink send/receive, mount, unshare, setns, link, unlink, a record
-- write...).  After each run: no namespace, link, mount, process, UTS file
-- or record is left (after `nsl --clean` for SIGKILL), the bystanders made
-- by ip are untouched, and nsl died of the signal.
local T = require "spec.support.util"
local core = require "nsl.core"

local SHIM = os.getenv("NSL_FAULTSHIM")
local SIG = core.signals

-- The runs walked: a topology up and down, and a handle with bare
-- primitives that removes its objects itself (so a run that finishes
-- leaves nothing either).
local SCRIPTS = {
  topology = [[
    local t = nsl.topology {
      prefix = "ft-",
      namespaces = { a = { hostname = "alpha" }, "b" },
      bridges = { br0 = { subnet = "10.77.0.0/24" } },
      links = { { "a", "br0" }, { "b", "br0" }, { "host", "b", subnet = "10.78.0.0/30" } },
      services = { nap = { ns = "a", cmd = { "sleep", "77.123" } } },
    }
    t:up()
    t:exec("a", { "hostname" }, { capture = true })
    t:down()
  ]],
  -- up of a 20-namespace topology (make soak only)
  twenty = [[
    local names = {}
    for i = 1, 20 do names[#names + 1] = "n" .. i end
    local links = {}
    for i = 1, 20 do links[#links + 1] = { "n" .. i, "br0" } end
    local t = nsl.topology {
      prefix = "ft-", namespaces = names, bridges = { br0 = { subnet = "10.79.0.0/24" } }, links = links,
      services = { nap = { ns = "n1", cmd = { "sleep", "77.126" } } },
    }
    t:up()
    t:down()
  ]],
  primitives = [[
    local h <close> = nsl.netns("ft-h")
    h:spawn({ "sleep", "77.124" })
    ns_add("ft-x")
    veth_add("ft-v0", "ft-v1", { peer_ns = "ft-x" })
    bridge_add("ft-br1")
    local p = spawn({ "sleep", "77.125" }, { background = true })
    p:close()
    link_del("ft-br1")
    link_del("ft-v0")
    ns_del("ft-x")
  ]],
}

local function needs()
  if not T.need_sandbox() then return false end
  if not SHIM or not io.open(SHIM) then
    pending("the fault shim is not built (make check builds build/faultshim.so)")
    return false
  end
  return true
end

-- The sleeps of the scripts still running, as "process <pid>" strings.
local function marked_procs(out)
  for _, pid in ipairs(core._readdir("/proc") or {}) do
    if pid:match("^%d+$") then
      local f = io.open("/proc/" .. pid .. "/cmdline")
      local cmd = f and f:read("a") or ""
      if f then f:close() end
      local st = core._proc_stat(tonumber(pid))
      if cmd:match("^sleep%z77%.12") and st and st.state ~= "Z" then
        out[#out + 1] = "process " .. pid
      end
    end
  end
end

local baseline = {} -- what other specs left: not this one's to judge

-- Everything the runs could have left, as a list of strings (empty: none).
local function leftovers()
  local out = {}
  for _, n in ipairs(core.ns_list()) do
    if n ~= "bystander" then out[#out + 1] = "namespace " .. n end
  end
  for _, l in ipairs(core.link_list()) do
    if l.name ~= "lo" and not l.name:match("^byst") then out[#out + 1] = "link " .. l.name end
  end
  for line in T.other_records():gmatch("[^\n]+") do out[#out + 1] = "record " .. line end
  for line in io.lines("/proc/self/mountinfo") do
    local point = line:match("^%S+ %S+ %S+ %S+ (%S+)")
    if point:match("^/run/netns/ft%-") or point:match("^/run/nsl/uts/") then
      out[#out + 1] = "mount " .. point
    end
  end
  marked_procs(out)
  local new = {}
  for _, x in ipairs(out) do if not baseline[x] then new[#new + 1] = x end end
  return new
end

-- Removes what a failed step left, so that the next step starts clean.
local function scrub()
  T.run({ "--clean" })
  for _, n in ipairs(core.ns_list()) do
    if n:match("^ft%-") or n:match("^%.nsl%-") then pcall(core.ns_del, n) end
  end
  for _, l in ipairs(core.link_list()) do
    if l.name:match("^ft%-") then pcall(core.link_del, l.name) end
  end
  for _, name in ipairs(core._readdir("/run/nsl/uts") or {}) do core._uts_del("/run/nsl/uts/" .. name) end
  local procs = {}
  marked_procs(procs)
  for _, p in ipairs(procs) do core._kill(tonumber(p:match("%d+")), SIG.KILL) end
end

local function bystanders_ok()
  return core.ns_exists("bystander") and core.link_exists("byst0") and core.link_exists("byst1")
end

-- Runs script under the shim: the signal sig before step n (0: none).
local function run(path, n, sig, report)
  return spawn({ T.nsl, path }, { capture = true, env = {
    LD_PRELOAD = SHIM, FAULT_N = tostring(n), FAULT_SIG = tostring(sig),
    FAULT_REPORT = report or false, FAULT_OWNER = false,
    ASAN_OPTIONS = "verify_asan_link_order=0:detect_leaks=0" } })
end

local NAMES = { [SIG.INT] = "INT", [SIG.TERM] = "TERM", [SIG.HUP] = "HUP", [SIG.KILL] = "KILL" }

-- One run with the signal at step n; returns a failure description or nil.
local function one(path, n, sig)
  local report = path .. ".calls"
  os.remove(report)
  local r = run(path, n, sig, report)
  if sig == SIG.KILL then T.run({ "--clean" }) end
  local left = leftovers()
  local why
  if #left > 0 then why = "left " .. table.concat(left, ", ") end
  -- The number of calls of a run varies a little (down waits for the
  -- kernel by polling): a run that ended, well, before its n-th call was
  -- never signalled, and must simply have succeeded.
  local calls = tonumber(T.slurp(report) or "")
  local unsignalled = calls and calls < n and r.code == 0
  if not unsignalled and r.signal ~= NAMES[sig] then
    why = (why and why .. "; " or "") .. "ended by " .. tostring(r.signal or r.code) ..
      " (" .. r.stderr:gsub("\n.*", "") .. ")"
  end
  if not bystanders_ok() then why = (why and why .. "; " or "") .. "a bystander was harmed" end
  if why then scrub() end
  return why
end

describe("faults #faults", function()
  local dir
  before_each(function()
    if not T.sandboxed() then return end
    dir = T.tmpdir()
    baseline = {}
    for _, x in ipairs(leftovers()) do baseline[x] = true end
    assert.equal(0, T.sh("ip netns add bystander && ip link add byst0 type veth peer name byst1").code)
  end)
  after_each(function()
    if not dir then return end
    T.rm(dir)
    T.sh("ip netns del bystander; ip link del byst0")
    scrub()
  end)

  for _, name in ipairs({ "topology", "primitives" }) do
    it("a signal at every step of a run of " .. name .. " leaves nothing and harms no bystander", function()
      if not needs() then return end
      local path = dir .. "/" .. name .. ".lua"
      T.write(path, SCRIPTS[name])
      -- How many steps a whole run has.
      local r = run(path, 0, 0, dir .. "/steps")
      assert.equal(0, r.code, r.stderr)
      local steps = tonumber(T.slurp(dir .. "/steps"))
      assert.is_true(steps > 20, "only " .. tostring(steps) .. " steps")
      assert.same({}, leftovers())
      local failures, runs = {}, 0
      -- make check: every third step, each signal from its own offset, so
      -- that every step still meets one of the three; make check-full
      -- (NSL_FULL=1): every step with every signal.  Under ASan each run
      -- is several times slower: three times sparser.
      local stride = T.full() and 1 or 3
      if T.nsl:match("asan") then stride = stride * 3 end
      for i, sig in ipairs({ SIG.TERM, SIG.INT, SIG.KILL }) do
        for n = 1 + (i - 1) % stride, steps, stride do
          runs = runs + 1
          local why = one(path, n, sig)
          if why then failures[#failures + 1] = NAMES[sig] .. " at step " .. n .. ": " .. why end
        end
      end
      -- SIGHUP behaves as SIGTERM; a few steps suffice.
      for n = 1, steps, 7 do
        runs = runs + 1
        local why = one(path, n, SIG.HUP)
        if why then failures[#failures + 1] = "HUP at step " .. n .. ": " .. why end
      end
      assert.same({}, failures, runs .. " runs")
    end)
  end
end)

-- Random instants (make soak; excluded from make check): the 20-namespace
-- topology above, signalled after a random delay within its own duration.
describe("faults at random instants #soak", function()
  it("leave nothing and harm no bystander: 50 runs each of SIGINT, SIGTERM, SIGKILL + --clean", function()
    if not needs() then return end
    local dir = T.tmpdir()
    assert.equal(0, T.sh("ip netns add bystander && ip link add byst0 type veth peer name byst1").code)
    finally(function() T.rm(dir) T.sh("ip netns del bystander; ip link del byst0") scrub() end)
    local path = dir .. "/twenty.lua"
    T.write(path, SCRIPTS.twenty)
    local t0 = now()
    assert.equal(0, spawn({ T.nsl, path }, { capture = true }).code)
    local span = (now() - t0) * 1.2
    local runs = tonumber(os.getenv("NSL_SOAK_RUNS") or "50")
    local figures, failures = {}, {}
    math.randomseed(os.time())
    for _, sig in ipairs({ SIG.INT, SIG.TERM, SIG.KILL }) do
      local f = { runs = 0, leftovers = 0, harmed = 0, status = 0, hit = 0 }
      for _ = 1, runs do
        f.runs = f.runs + 1
        local h = spawn({ T.nsl, path }, { background = true, capture = true })
        sleep(math.random() * span)
        h:kill(sig)
        local r = h:wait()
        if r.signal == NAMES[sig] then f.hit = f.hit + 1 end
        if sig == SIG.KILL then T.run({ "--clean" }) end
        local left = leftovers()
        if #left > 0 then
          f.leftovers = f.leftovers + 1
          failures[#failures + 1] = NAMES[sig] .. ": " .. table.concat(left, ", ")
        end
        if not bystanders_ok() then f.harmed = f.harmed + 1 end
        if r.signal ~= NAMES[sig] and r.code ~= 0 then
          f.status = f.status + 1
          failures[#failures + 1] = NAMES[sig] .. ": ended by " .. tostring(r.signal or r.code)
        end
        if #left > 0 or not bystanders_ok() then scrub() end
      end
      figures[#figures + 1] = string.format("SIG%s: %d runs (%d stopped by it, the rest had ended), " ..
        "%d with leftovers, %d with a bystander harmed, %d with a wrong status",
        NAMES[sig], f.runs, f.hit, f.leftovers, f.harmed, f.status)
    end
    io.stderr:write("\n" .. table.concat(figures, "\n") .. "\n")
    assert.same({}, failures)
  end)
end)
