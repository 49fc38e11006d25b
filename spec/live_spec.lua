-- Live labs from the command line (lua/nsl/live.lua, lua/nsl/keeper.lua):
-- nsl up brings a description file up, detached, under a keeper; nsl
-- link, impair, partition, heal and capture change it from any shell;
-- nsl show tells what they did; nsl down (and a SIGKILL + --clean) leave
-- nothing.  Witnessed with ip -j and real traffic.
local T = require "spec.support.util"
local json = require "nsl.json"

-- Two parallel links r1-r2 and a host h on r1.
local LAB = [[
return {
  namespaces = { r1 = {}, r2 = {}, h = {} },
  links = { { "r1", "r2", subnet = "10.41.0.0/30" }, { "r1", "r2", subnet = "10.42.0.0/30" },
            { "h", "r1", subnet = "10.43.0.0/30" } },
}
]]

local function link_of(ns, dev)
  local r = T.sh("ip -j -n " .. ns .. " link show dev " .. dev)
  return (json.decode(r.out) or {})[1] or {}
end

local function is_up(ns, dev)
  for _, f in ipairs(link_of(ns, dev).flags or {}) do if f == "UP" then return true end end
  return false
end

local function qdisc(ns, dev)
  return T.sh("tc -n " .. ns .. " qdisc show dev " .. dev).out
end

-- What a lab may leave: namespaces, files of the run directory.
local function leftovers()
  return T.sh("ip netns list; ls -A /run/nsl 2>/dev/null | grep -v '^uts$'; ls -A /run/nsl/uts 2>/dev/null").out
end

describe("nsl up and live changes #cli #netns", function()
  local dir, file
  before_each(function()
    dir = T.tmpdir()
    file = dir .. "/lab1.lua"
    T.write(file, LAB)
  end)
  after_each(function()
    T.run({ "down", "--all" })
    T.rm(dir)
  end)

  it("up prints the lab's name and returns once it is up; ls and show list it; down takes it all", function()
    if not T.need_sandbox() then return end
    local before = leftovers()
    local r = T.run({ "up", file })
    assert.equal(0, r.code, r.err)
    assert.equal("lab1\n", r.out)
    assert.equal("", r.err)
    assert.is_true(is_up("lab1-r1", "eth0"))	-- ready when up returned
    r = T.run({ "ls" })
    assert.matches("lab lab1  run %d+%-%d+  keeper pid %d+  " .. file:gsub("%p", "%%%0"), r.out)
    assert.matches("r1%s+lab1%-r1%s+10%.41%.0%.1/30 10%.42%.0%.1/30 10%.43%.0%.2/30", r.out)
    local doc = json.decode(T.run({ "ls", "--json" }).out).runs[1]
    assert.equal("lab1", doc.name)
    assert.truthy(T.alive(doc.pid))
    r = T.run({ "show", "lab1", "h" })
    assert.matches("namespace h %(lab1%-h%)", r.out)
    -- --name, and a name taken
    r = T.run({ "up", file, "--name", "other" })
    assert.equal("other\n", r.out, r.err)
    r = T.run({ "up", file })
    assert.equal(1, r.code)
    assert.equal("nsl: up: a lab named lab1 runs already (nsl down lab1, or --name)\n", r.err)
    r = T.run({ "down", "lab1", "other" })
    assert.equal(0, r.code, r.err)
    assert.equal("lab1 down\nother down\n", r.out)
    assert.is_false(T.alive(doc.pid))
    assert.equal(before, leftovers())
  end)

  it("link, impair, partition and heal change a running lab; show tells what is cut and impaired", function()
    if not T.need_sandbox() then return end
    assert.equal(0, T.run({ "up", file }).code)
    -- one of the two parallel links
    local r = T.run({ "link", "lab1", "r1:eth1", "down" })
    assert.equal(0, r.code, r.err)
    assert.is_false(is_up("lab1-r1", "eth1") or is_up("lab1-r2", "eth1"))
    assert.is_true(is_up("lab1-r1", "eth0"))
    -- rate: tbf, there without netem (CONFIG_NET_SCH_NETEM) too
    r = T.run({ "impair", "lab1", "r2:eth0", "rate=10mbit" })
    assert.equal(0, r.code, r.err)
    assert.matches("tbf .*rate 10Mbit", qdisc("lab1-r1", "eth0"))
    assert.matches("tbf .*rate 10Mbit", qdisc("lab1-r2", "eth0"))
    r = T.run({ "show", "lab1" })
    assert.matches("\nfaults\n  r1%-r2: r1 eth0: tbf rate 10mbit\n  r1%-r2: r2 eth0: tbf rate 10mbit\n" ..
      "  r1%-r2#2: down %(link_down%)\n", r.out)
    assert.equal(0, T.run({ "impair", "lab1", "r2:eth0", "off" }).code)
    assert.not_matches("tbf", qdisc("lab1-r1", "eth0"))
    assert.equal(0, T.run({ "link", "lab1", "r1:eth1", "up" }).code)
    assert.is_true(is_up("lab1-r2", "eth1"))
    assert.not_matches("faults", T.run({ "show", "lab1" }).out)
    r = T.run({ "partition", "lab1", "h", "r1,r2" })
    assert.equal("lab1: 1 link cut\n", r.out, r.err)
    assert.is_false(is_up("lab1-h", "eth0"))
    assert.matches("h%-r1: down %(partition%)", T.run({ "show", "lab1" }).out)
    assert.not_equal(0, T.sh("ip netns exec lab1-h ping -c1 -W1 10.43.0.2").code)
    r = T.run({ "heal", "lab1" })
    assert.equal("lab1: 1 link up again\n", r.out, r.err)
    assert.equal(0, T.sh("ip netns exec lab1-h ping -c1 -W2 10.43.0.2").code)
  end)

  it("capture writes a pcap of one end to a file or to stdout, listed by show while it runs", function()
    if not T.need_sandbox() then return end
    assert.equal(0, T.run({ "up", file }).code)
    for _, case in ipairs({ { "-w " .. dir .. "/h.pcap", dir .. "/h.pcap" }, { ">" .. dir .. "/out.pcap", "stdout" } }) do
      os.remove(dir .. "/cap.err") -- else the last round's "listening" is seen before this capture listens
      local r = T.sh(table.concat({
        T.quote(T.nsl) .. " capture lab1 h:eth0 " .. case[1] .. " 2>" .. dir .. "/cap.err & p=$!",
        T.sh_until("grep -qs listening " .. dir .. "/cap.err", "the capture's listening", "p"),
        T.quote(T.nsl) .. " show lab1 | grep -A1 '^captures'",
        "ip netns exec lab1-h ping -c2 -i0.2 -W1 10.43.0.2 >/dev/null",
        "kill -TERM $p; wait $p; echo status $?",
        T.quote(T.nsl) .. " show lab1 | grep -c '^captures'",
      }, "\n"))
      assert.matches("^captures\n  h:eth0 %(pid %d+%) to " .. case[2]:gsub("%p", "%%%0") .. "\n", r.out)
      assert.matches("status 143\n0\n$", r.out)	-- ends as nsl does on SIGTERM
      local pcap = case[2] == "stdout" and dir .. "/out.pcap" or case[2]
      assert.matches("ICMP echo request", T.sh("tcpdump -n -r " .. pcap).out)
    end
  end)

  it("a SIGTERMed keeper takes its lab down itself: nothing left, no --clean needed", function()
    if not T.need_sandbox() then return end
    local before = leftovers()
    assert.equal(0, T.run({ "up", file, "--name", "t1" }).code)
    local doc = json.decode(T.run({ "ls", "--json" }).out).runs[1]
    T.sh("kill -TERM " .. doc.pid .. "; while kill -0 " .. doc.pid .. " 2>/dev/null; do sleep 0.05; done")
    assert.equal(before, leftovers())
    assert.equal("no live nsl runs with topologies\n", T.run({ "ls" }).out)
  end)

  it("a SIGKILLed keeper leaves what nsl --clean removes, and nothing after it", function()
    if not T.need_sandbox() then return end
    local before = leftovers()
    assert.equal(0, T.run({ "up", file, "--name", "k1" }).code)
    local doc = json.decode(T.run({ "ls", "--json" }).out).runs[1]
    T.sh("kill -KILL " .. doc.pid .. "; while kill -0 " .. doc.pid .. " 2>/dev/null; do sleep 0.05; done")
    local r = T.run({ "link", "k1", "r1:eth0", "down" })
    assert.equal(1, r.code)
    assert.matches("^nsl: link: k1: no lab of that name %(none runs; nsl up FILE starts one%)\n$", r.err)
    assert.matches("dead runs with leftovers", T.run({ "ls" }).out)
    assert.equal(0, T.run({ "--clean" }).code)
    assert.equal(before, leftovers())
  end)

  -- nsl up of a lab whose service s (sleep 61.7 in node a) is ready once
  -- dir/go exists, then the shell lines after, once s runs (the lab half
  -- built; $p: nsl up); then nothing may be left: no service, namespace,
  -- record, lab file.  What the shell printed.
  local function up_cut(after)
    local before = leftovers()
    T.write(dir .. "/slow.lua", "return { namespaces = { 'a' }, services = { s = { ns = 'a', " ..
      "cmd = { 'sleep', '61.7' }, ready = { file = '" .. dir .. "/go', timeout = 30 } } } }")
    local r = T.sh(T.quote(T.nsl) .. " up " .. dir .. "/slow.lua & p=$!; i=0; while ! pgrep -f 'sleep 61[.]7' " ..
      ">/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; " .. after)
    finally(function() T.run({ "--clean" }) end)
    assert.equal("", T.sh("pgrep -f 'sleep 61[.]7'").out)
    assert.equal(before, leftovers())
    assert.equal("no live nsl runs with topologies\n", T.run({ "ls" }).out)
    return r.out
  end

  it("Ctrl-C during up (a service getting ready) takes the half-built lab down: nothing left, no --clean", function()
    if not T.need_sandbox() then return end
    assert.matches("status 130\n$", up_cut("kill -INT $p; wait $p; echo status $?"))
  end)

  it("a keeper whose nsl up is gone (SIGKILLed) when the lab gets ready takes the lab down and ends", function()
    if not T.need_sandbox() then return end
    assert.equal("done\n", up_cut("k=$(pgrep -f '_keep .*slow[.]lua'); kill -KILL $p; wait $p; touch " .. dir ..
      "/go; i=0; while kill -0 $k 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; " ..
      "kill -0 $k 2>/dev/null && echo keeper runs; echo done"))
  end)

  it("down gives up on a keeper that does not answer, in one line that says what to do", function()
    if not T.need_sandbox() then return end
    local before = leftovers()
    assert.equal(0, T.run({ "up", file }).code)
    local pid = json.decode(T.run({ "ls", "--json" }).out).runs[1].pid
    T.sh("kill -STOP " .. pid)
    finally(function() T.sh("kill -CONT " .. pid) end)
    local r = T.sh("NSL_KEEPER_TIMEOUT=0.5 timeout 10 " .. T.quote(T.nsl) .. " down lab1")
    assert.equal(1, r.code)
    assert.equal("nsl: down: lab1: its keeper (pid " .. pid .. ") did not answer in 0.5 s: kill " .. pid ..
      " (it takes its lab down), or kill -KILL " .. pid .. " and nsl --clean\n", r.err)
    r = T.sh("NSL_KEEPER_TIMEOUT=soon timeout 10 " .. T.quote(T.nsl) .. " down lab1")
    assert.equal("nsl: down: NSL_KEEPER_TIMEOUT=soon: seconds expected (a number above 0)\n", r.err)
    -- the request waited in the keeper's socket: woken up, it takes the lab down
    T.sh("kill -CONT " .. pid .. "; i=0; while kill -0 " .. pid .. " 2>/dev/null && [ $i -lt 200 ]; do " ..
      "sleep 0.05; i=$((i+1)); done")
    assert.is_false(T.alive(pid))
    assert.equal(before, leftovers())
  end)

  it("up refuses a directory or anything not a regular file, and the names . and .., in one line", function()
    if not T.need_sandbox() then return end
    local function err(args) local r = T.run(args) assert.equal(1, r.code, r.out) return r.err end
    assert.equal("nsl: up: " .. dir .. "/: not a regular file (a directory)\n", err({ "up", dir .. "/" }))
    assert.equal("nsl: up: " .. dir .. ": not a regular file (a directory)\n", err({ "up", dir }))
    assert.equal("nsl: up: /dev/null: not a regular file\n", err({ "up", "/dev/null" }))
    T.write(dir .. "/...lua", LAB)
    assert.equal("nsl: up: ..: not a lab's name (--name NAME)\n", err({ "up", dir .. "/...lua" }))
    assert.equal("nsl: up: .: not a lab's name (--name NAME)\n", err({ "up", file, "--name", "." }))
    assert.equal("no live nsl runs with topologies\n", T.run({ "ls" }).out)
  end)

  it("says in one line what is wrong with the words, the lab, the end or the file", function()
    if not T.need_sandbox() then return end
    local function err(args) local r = T.run(args) assert.equal(1, r.code, r.out) return r.err end
    assert.equal("nsl: up: which file? usage: nsl up FILE [--name NAME] (FILE returns a description)\n", err({ "up" }))
    assert.equal("nsl: up: /nonexistent/x.lua: No such file or directory\n", err({ "up", "/nonexistent/x.lua" }))
    assert.equal("nsl: up: unknown option '--nmae' (see nsl --help)\n", err({ "up", file, "--nmae", "x" }))
    assert.equal("nsl: up: a b: a lab's name is 1 to 32 letters, digits, '_', '.', '-' (--name NAME)\n",
      err({ "up", file, "--name", "a b" }))
    T.write(dir .. "/bad.lua", "return { namespaces = { 'a' }, links = { { 'a', 'zz' } } }")
    assert.matches("^nsl: up: topology: link a%-zz: 'zz' is not a described", err({ "up", dir .. "/bad.lua" }))
    T.write(dir .. "/none.lua", "return 42")
    assert.equal("nsl: up: " .. dir .. "/none.lua returns number, not a description table " ..
      "(return { namespaces = ..., links = ... })\n", err({ "up", dir .. "/none.lua" }))
    assert.equal("nsl: down: which lab? usage: nsl down RUN... | --all\n", err({ "down" }))
    assert.equal(0, T.run({ "up", file }).code)
    assert.equal("nsl: down: lab2: no lab of that name (did you mean 'lab1'?) (running: lab1)\n", err({ "down", "lab2" }))
    assert.equal("nsl: link: usage: nsl link RUN NODE:IFNAME down|up\n", err({ "link", "lab1", "r1:eth0", "off" }))
    assert.equal("nsl: link: lab1: r1 has no link end eth7 (its ends: eth0, eth1, eth2) (did you mean 'eth0'?)\n",
      err({ "link", "lab1", "r1:eth7", "down" }))
    assert.equal("nsl: link: lab1: no node named r3 (did you mean 'r1'?)\n", err({ "link", "lab1", "r3:eth0", "down" }))
    assert.equal("nsl: link: lab1: which link of r1? name its other end, or the end as r1:IFNAME\n",
      err({ "link", "lab1", "r1", "down" }))
    assert.matches("^nsl: impair: unknown key 'dealy' %(did you mean 'delay'%?%)",
      err({ "impair", "lab1", "r1:eth0", "dealy=1ms" }))
    assert.equal("nsl: impair: 'delay': KEY=VALUE expected (delay=20ms), or off alone\n",
      err({ "impair", "lab1", "r1:eth0", "delay" }))
    assert.matches("^nsl: impair: lab1: link_impair: .*option 'rate'", err({ "impair", "lab1", "r1:eth0", "rate=soon" }))
    assert.equal("nsl: partition: usage: nsl partition RUN A B (A, B: nodes, several as a,b)\n",
      err({ "partition", "lab1", "h" }))
    assert.equal("nsl: partition: lab1: no node named hh (did you mean 'h'?)\n", err({ "partition", "lab1", "hh", "r1" }))
    assert.equal("nsl: heal: usage: nsl heal RUN\n", err({ "heal" }))
    assert.equal("nsl: capture: usage: nsl capture RUN NODE:IFNAME [-w FILE]\n", err({ "capture", "lab1" }))
    assert.equal("nsl: capture: h:eth3: h has no link end eth3 (its ends: eth0) (did you mean 'eth0'?)\n",
      err({ "capture", "lab1", "h:eth3" }))
    -- a script's run takes no live changes
    local path, sdir = T.script("local t <close> = nsl.topology { prefix = 'sc-', namespaces = { 'a' } } t:up() " ..
      "io.open(arg[1], 'w'):close() sleep(30)")
    local pid = T.sh(T.quote(T.nsl) .. " " .. path .. " " .. sdir .. "/up >/dev/null 2>&1 & echo $!").out:match("%d+")
    finally(function() T.sh("kill " .. pid .. "; while kill -0 " .. pid .. " 2>/dev/null; do sleep 0.05; done") T.rm(sdir) end)
    for _ = 1, 100 do if io.open(sdir .. "/up") then break end T.sh("sleep 0.05") end
    assert.matches("^nsl: heal: run %d+%-%d+ is a script's, not a lab nsl up started", err({ "heal", pid }))
  end)

  it("without privilege (and NSL_ROOTLESS=0), up says why in one line and leaves nothing", function()
    if not T.need_sandbox() then return end
    local before = leftovers()
    T.sh("chmod -R a+rX " .. dir)
    local r = T.sh("setpriv --reuid=65534 --regid=65534 --clear-groups env NSL_ROOTLESS=0 " ..
      T.quote(T.nsl) .. " up " .. file)
    assert.equal(1, r.code)
    assert.matches("^nsl: up: [^\n]*Operation not permitted[^\n]*\n$", r.err)
    assert.equal(before, leftovers())
    -- root's lab: another user may look (ls), not change it
    assert.equal(0, T.run({ "up", file }).code)
    r = T.sh("setpriv --reuid=65534 --regid=65534 --clear-groups env NSL_ROOTLESS=0 " ..
      T.quote(T.nsl) .. " link lab1 r1:eth0 down")
    assert.equal(1, r.code)
    assert.matches("^nsl: link: lab1: not privileged to reach its keeper %(pid %d+, [^)]*%.sock%): " ..
      "run as the user who started it\n$", r.err)
    assert.is_true(is_up("lab1-r1", "eth0"))
  end)
end)
