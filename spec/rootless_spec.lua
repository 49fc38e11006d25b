-- nsl without root (src/cmd/rootless.c, egress.c, worlds.c): an unprivileged caller's run
-- goes into a world of its own, user, mount, network and PID namespaces,
-- and leaves nothing behind on the machine, whatever its ending.  The
-- unprivileged caller is nobody (setpriv), inside spec/sandbox.
local T = require "spec.support.util"

local AS_NOBODY = "setpriv --reuid=65534 --regid=65534 --clear-groups "
local NOTE = "nsl: not privileged: running rootless, in a user namespace of its own (NSL_ROOTLESS=0: never)\n"

-- Can nobody make a user namespace here?  Else the tests are pending.
local function need_userns()
  if not T.need_sandbox() then return false end
  local r = T.sh(AS_NOBODY .. "unshare --user --map-root-user true")
  if r.code ~= 0 then
    T.pending("an unprivileged user cannot make a user namespace here: " .. r.err)
    return false
  end
  return true
end

-- A directory nobody can read, with files in it.
local dirs = {}
local function nobody_dir(files)
  local dir = T.tmpdir()
  dirs[#dirs + 1] = dir
  for name, text in pairs(files) do
    os.execute("mkdir -p " .. T.quote((dir .. "/" .. name):match("^(.*)/")))
    T.write(dir .. "/" .. name, text)
  end
  os.execute("chmod -R a+rX " .. T.quote(dir))
  return dir
end

-- nobody's /run/user/65534, where root looks for users' worlds (the
-- sandbox's /run); removed at the test's end.
local function user_run_dir()
  assert.equal(0, T.sh("mkdir -p /run/user/65534 && chown 65534 /run/user/65534 && chmod 700 /run/user/65534").code)
  finally(function() T.sh("rm -rf /run/user/65534") end)
end

-- What an unprivileged run may have left on the machine: processes of
-- nobody, records under /run/nsl, namespaces under /run/netns.
local function leftovers()
  local r = T.sh("ps -u 65534 -o pid=,args=; ls /run/netns | grep -v '^nsl-rl-uplink$'; " ..
    "ls /run/nsl 2>/dev/null | grep -v '^uts$'")
  return r.out .. T.other_records()
end

describe("nsl without root #rootless", function()
  local before
  before_each(function() before = leftovers() end)
  after_each(function()
    for _, d in ipairs(dirs) do T.rm(d) end
    dirs = {}
  end)

  it("switches by itself, says so in one line, and keeps arg, stdin and the exit status", function()
    if not need_userns() then return end
    local dir = nobody_dir({ ["s.lua"] = [[
      print(arg[0]:match("[^/]*$"), arg[1], arg[2], io.read("l"))
      local f = io.open("/proc/self/uid_map"); print((f:read("a"):gsub("%s+", " "))); f:close()
      os.exit(tonumber(arg[1]))
    ]] })
    local r = T.sh(AS_NOBODY .. T.quote(T.nsl) .. " " .. dir .. "/s.lua 7 'b c'", { stdin = "in\n" })
    assert.equal(7, r.code)
    assert.equal("s.lua\t7\tb c\tin\n 0 65534 1 \n", r.out)
    assert.equal(NOTE, r.err)
    assert.equal(before, leftovers())
  end)

  it("NSL_ROOTLESS=0 keeps the caller's world (and its refusal)", function()
    if not need_userns() then return end
    local r = T.sh("NSL_ROOTLESS=0 " .. AS_NOBODY .. T.quote(T.nsl) .. " -e 'ns_add(\"x\")'")
    assert.equal(1, r.code)
    assert.not_matches("running rootless", r.err, 1, true)
    assert.matches("(run as root, or rootless: nsl --rootless, or in a user namespace: unshare -rn)", r.err, 1, true)
    assert.matches("nsl: ", r.err)
  end)

  it("--rootless as root: a private /run/netns, network and user namespace", function()
    if not need_userns() then return end
    local r = T.run({ "--rootless", "-e", [[
      ns_add("rl-private")
      local f = io.open("/proc/self/uid_map"); io.write((f:read("a"):gsub("%s+", " "))); f:close()
      print(#link_list(), ns_exists("rl-private"))
    ]] })
    assert.equal(0, r.code, r.err)
    assert.equal(" 0 0 1 1\ttrue\n", r.out)
    assert.equal("", r.err)
    assert.is_false(ns_exists("rl-private"))
  end)

  it("runs the S5 bridge topology as nobody, pinging end to end", function()
    if not need_userns() then return end
    local r = T.sh(AS_NOBODY .. T.quote(T.nsl) .. " examples/s5_bridge.lua")
    assert.equal(0, r.code, r.out .. r.err)
    assert.matches("ns0 pings ns1", r.out, 1, true)
    assert.matches("9 passed, 0 failed", r.out, 1, true)
    assert.equal(NOTE, r.err)
    assert.equal(before, leftovers())
  end)

  it("gives a node its hostname as nobody (the world has a UTS namespace of its own)", function()
    if not need_userns() then return end
    local dir = nobody_dir({ ["h.lua"] = [[
      local t <close> = nsl.topology { namespaces = { a = { hostname = "alpha" }, b = {} },
                                       links = { { "a", "b" } } }
      t:up()
      io.write(t:exec("a", { "hostname" }, { capture = true }).stdout)
      io.write(t:exec("b", { "hostname" }, { capture = true }).stdout)
    ]] })
    local host = T.sh("hostname").out
    local r = T.sh(AS_NOBODY .. T.quote(T.nsl) .. " " .. dir .. "/h.lua")
    assert.equal(0, r.code, r.err)
    assert.equal("alpha\n" .. host, r.out)
    assert.equal(NOTE, r.err)
    assert.equal(before, leftovers())
    assert.equal(host, T.sh("hostname").out)
  end)

  it("nsl ls and exec without XDG_RUNTIME_DIR say where worlds are looked for and how to point there", function()
    if not need_userns() then return end
    local nsl = AS_NOBODY .. "env -u XDG_RUNTIME_DIR " .. T.quote(T.nsl)
    local how = "XDG_RUNTIME_DIR is not set %(or not absolute%), so no rootless world was looked for: " ..
      "a world registers in %$XDG_RUNTIME_DIR/nsl/world%-PID; set it as the world's nsl had it " ..
      "%(XDG_RUNTIME_DIR=/run/user/65534%)\n$"
    local r = T.sh(nsl .. " ls")
    assert.equal(0, r.code)
    assert.matches("^nsl: ls: " .. how, r.err)
    r = T.sh(nsl .. " exec a -- true")
    assert.equal(1, r.code)
    assert.matches("^nsl: exec: a: no such node in a live topology %(nsl ls lists them%); " .. how, r.err)
    r = T.sh(nsl .. " exec -w 12 a -- true")
    assert.matches("^nsl: exec: no rootless world 12: " .. how, r.err)
  end)

  it("Ctrl-C during a rootless nsl up (a service getting ready) leaves no world, process or file", function()
    if not need_userns() then return end
    local dir = nobody_dir({ ["xdg/.keep"] = "" })
    T.write(dir .. "/slow.lua", "return { namespaces = { 'a' }, services = { s = { ns = 'a', " ..
      "cmd = { 'sleep', '61.8' }, ready = { file = '" .. dir .. "/go', timeout = 30 } } } }")
    os.execute("chmod a+r " .. dir .. "/slow.lua && chown 65534 " .. dir .. "/xdg && chmod 700 " .. dir .. "/xdg")
    local r = T.sh(AS_NOBODY .. "env XDG_RUNTIME_DIR=" .. dir .. "/xdg " .. T.quote(T.nsl) .. " up " .. dir ..
      "/slow.lua & p=$!; i=0; while ! pgrep -f 'sleep 61[.]8' >/dev/null && [ $i -lt 200 ]; do sleep 0.05; " ..
      "i=$((i+1)); done; kill -INT $p; wait $p; echo status $?")
    assert.equal("status 130\n", r.out, r.err)
    for _ = 1, 100 do if leftovers() == before then break end T.sh("sleep 0.05") end
    assert.equal(before, leftovers())
    assert.equal("", T.sh("ls " .. dir .. "/xdg/nsl").out)
  end)

  it("nsl up, link, show and down run a lab as nobody; a SIGKILLed keeper takes its world along", function()
    if not need_userns() then return end
    local dir = nobody_dir({ ["lab1.lua"] = [[
      return { namespaces = { r1 = {}, r2 = {} },
               links = { { "r1", "r2", subnet = "10.51.0.0/30" }, { "r1", "r2", subnet = "10.52.0.0/30" } } }
    ]], ["xdg/.keep"] = "" })
    os.execute("chown 65534 " .. dir .. "/xdg && chmod 700 " .. dir .. "/xdg")
    local nsl = AS_NOBODY .. "env XDG_RUNTIME_DIR=" .. dir .. "/xdg " .. T.quote(T.nsl)
    local r = T.sh(nsl .. " up " .. dir .. "/lab1.lua")
    assert.equal(0, r.code, r.err)
    assert.equal("lab1\n", r.out)
    assert.equal("", r.err)
    r = T.sh(nsl .. " link lab1 r1:eth1 down && " .. nsl .. " show lab1 r1")
    assert.equal(0, r.code, r.err)
    assert.matches("\nfaults\n  r1%-r2#2: down %(link_down%)\n", r.out)
    assert.matches("\n  eth1%s+veth%s+eth1@r2%s+down ", r.out)
    assert.matches("lab lab1 ", T.sh(nsl .. " ls").out)
    r = T.sh(nsl .. " down lab1")
    assert.equal("lab1 down\n", r.out, r.err)
    for _ = 1, 100 do if leftovers() == before then break end T.sh("sleep 0.05") end
    assert.equal(before, leftovers())
    -- two labs, two worlds: a lab's name finds its world; down --all takes both
    assert.equal(0, T.sh(nsl .. " up " .. dir .. "/lab1.lua").code)
    assert.equal(0, T.sh(nsl .. " up " .. dir .. "/lab1.lua --name lab2").code)
    r = T.sh(nsl .. " link lab2 r1:eth0 down && " .. nsl .. " show lab2 r1")
    assert.equal(0, r.code, r.err)
    assert.matches("\nfaults\n  r1%-r2: down %(link_down%)\n", r.out)
    r = T.sh(nsl .. " show lab1 r1")
    assert.not_matches("faults", r.out)
    r = T.sh(nsl .. " down --all")
    assert.equal(0, r.code, r.out .. r.err)
    assert.matches("^lab%d down\nlab%d down\n$", r.out)
    for _ = 1, 100 do if leftovers() == before then break end T.sh("sleep 0.05") end
    assert.equal(before, leftovers())
    -- SIGKILL of the keeper: the world (and the lab in it) ends with it
    assert.equal(0, T.sh(nsl .. " up " .. dir .. "/lab1.lua").code)
    local world = T.sh("ls " .. dir .. "/xdg/nsl").out:match("world%-(%d+)")
    T.sh("kill -KILL " .. world)
    for _ = 1, 100 do if leftovers() == before then break end T.sh("sleep 0.05") end
    assert.equal(before, leftovers())
    T.sh(nsl .. " ls")	-- drops the world's registry file
    assert.equal("", T.sh("ls " .. dir .. "/xdg/nsl").out)
  end)

  -- A namespace and a background process in it, then an ending.
  local bg = [[
    ns_add("a")
    local h = ns_exec("a", { "sleep", "1000" }, { background = true })
    print("ready", h.pid); io.stdout:flush()
    if arg[1] == "error" then error("boom") end
    if arg[1] == "wait" then ns_exec("a", { "sleep", "1000" }) end
  ]]

  for _, case in ipairs({ { "normal", nil, 0 }, { "error", nil, 1 } }) do
    it("leaves nothing after " .. (case[1] == "normal" and "a normal end" or "an error"), function()
      if not need_userns() then return end
      local dir = nobody_dir({ ["bg.lua"] = bg })
      local r = T.sh(AS_NOBODY .. T.quote(T.nsl) .. " " .. dir .. "/bg.lua " .. case[1])
      assert.equal(case[3], r.code, r.err)
      assert.matches("^ready\t%d+\n$", r.out)
      assert.equal(before, leftovers())
    end)
  end

  -- make check: Ctrl-C and SIGKILL; SIGTERM and SIGHUP take Ctrl-C's way
  -- out, and make check-full runs them too
  for _, case in ipairs({ { "TERM", 143, full = true }, { "INT", 130 }, { "HUP", 129, full = true },
                          { "KILL", 137 } }) do
    it("leaves nothing after SIG" .. case[1] .. " to nsl's pid, and dies of it", function()
      if case.full and not T.full() then
        return pending("SIG" .. case[1] .. " takes SIGINT's way out: make check-full runs it")
      end
      if not need_userns() then return end
      local dir = nobody_dir({ ["bg.lua"] = bg })
      local r = T.sh(table.concat({
        AS_NOBODY .. T.quote(T.nsl) .. " " .. dir .. "/bg.lua wait >" .. dir .. "/out 2>&1 & p=$!",
        "i=0; while ! grep -q ready " .. dir .. "/out && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
        "kill -" .. case[1] .. " $p; wait $p; echo $?",
      }, "\n"))
      assert.equal(case[2] .. "\n", r.out, T.slurp(dir .. "/out"))
      if case[1] ~= "KILL" then
        -- the script's cleanups ran: the blocking ns_exec was interrupted,
        -- and the signal reported on one line
        assert.matches("\nnsl: " .. (case[1] == "INT" and "interrupted" or "terminated by signal") ..
          "[^\n]*\n$", T.slurp(dir .. "/out"))
      end
      -- SIGKILL: pid 1 of the world dies with nsl's pid, the world with it
      local gone
      for _ = 1, 100 do
        gone = leftovers() == before
        if gone then break end
        T.sh("sleep 0.05")
      end
      assert.equal(before, leftovers())
    end)
  end

  it("runs busted with an nsl.test world as nobody", function()
    if not need_userns() then return end
    local dir = nobody_dir({ ["world_spec.lua"] = [[
      local nt = require "nsl.test"
      describe("a world without root", function()
        local w = nt.world({
          namespaces = { "a", "b" },
          links = { { "a", "b", subnet = "10.9.0.0/30" } },
        })
        it("pings across", function()
          assert.is_true(w:exec("a", { "ping", "-c1", "-W5", w:addr("b") }, { capture = true }).ok)
        end)
      end)
    ]] })
    local r = T.sh("cd " .. dir .. " && HOME=" .. dir .. " " .. AS_NOBODY .. "busted --lua=" ..
      T.quote(T.nsl) .. " -o utfTerminal world_spec.lua")
    assert.equal(0, r.code, r.out .. r.err)
    assert.matches("1 success / 0 failures / 0 errors / 0 pending", r.out, 1, true)
    assert.equal(before, leftovers())
  end)

  -- /etc/subuid and /etc/subgid are written only where /etc is the
  -- sandbox's overlay (spec/sandbox): the machine's own /etc never is.
  local function need_range()
    if not need_userns() then return false end
    local f = io.open("/proc/self/mountinfo")
    local etc = f:read("a"):match("\n[^\n]* / /etc [^\n]* %- overlay ")
    f:close()
    if not etc then T.pending("/etc is not the sandbox's overlay: not writing /etc/subuid") return false end
    if T.sh("command -v newuidmap && command -v newgidmap").code ~= 0 then
      T.pending("newuidmap/newgidmap missing (Debian's uidmap)")
      return false
    end
    return true
  end

  local function add_range(name, start)
    for _, file in ipairs({ "/etc/subuid", "/etc/subgid" }) do
      local f = assert(io.open(file, "a"))
      f:write(name, ":", start, ":65536\n")
      f:close()
    end
  end

  local function drop_range(name)
    for _, file in ipairs({ "/etc/subuid", "/etc/subgid" }) do
      local text = T.slurp(file):gsub("\n?" .. name:gsub("%p", "%%%0") .. ":[^\n]*", "")
      T.write(file, text)
    end
  end

  local inside = [[
    io.write(io.open("/proc/self/uid_map"):read("a"))
    local p = spawn({ "setpriv", "--reuid=33", "--regid=33", "--clear-groups", "id", "-u" },
                    { capture = true })
    print(p.ok, p.stdout)
  ]]

  local capture_spec = [[
      local nt = require "nsl.test"
      describe("a capture without root", function()
        local w = nt.world({ namespaces = { "a", "b" }, links = { { "a", "b", subnet = "10.9.0.0/30" } } })
        it("records a ping", function()
          local f = w:capture("a:eth0", { filter = "icmp" })
          assert.is_true(w:exec("a", { "ping", "-c1", "-W5", w:addr("b") }).ok)
          w:stop_captures()
          assert.is_true(#io.open(f, "rb"):read("a") > 24)   -- more than the pcap header
        end)
      end)
    ]]

  it("w:capture as nobody, without an /etc/subuid range, records (no tcpdump, no change of user)", function()
    if not need_userns() then return end
    local dir = nobody_dir({ ["cap_spec.lua"] = capture_spec })
    local cmd = "cd " .. dir .. " && HOME=" .. dir .. " " .. AS_NOBODY .. "busted --lua=" ..
      T.quote(T.nsl) .. " -o utfTerminal cap_spec.lua"
    os.execute("chown 65534 " .. dir)	-- a failed test's artifacts go there
    assert.equal("", T.sh("grep -s '^nobody:' /etc/subuid /etc/subgid").out)
    local r = T.sh(cmd)
    assert.equal(0, r.code, r.out .. r.err)
    assert.matches("1 success / 0 failures / 0 errors / 0 pending", r.out, 1, true)
    assert.equal(before, leftovers())
  end)

  it("nsl capture as nobody, without an /etc/subuid range, writes a rootless lab's packets to a file", function()
    if not need_userns() then return end
    local dir = nobody_dir({ ["lab1.lua"] = [[
      return { namespaces = { r1 = {}, r2 = {} }, links = { { "r1", "r2", subnet = "10.53.0.0/30" } } }
    ]], ["xdg/.keep"] = "" })
    os.execute("chown 65534 " .. dir .. " " .. dir .. "/xdg && chmod 700 " .. dir .. "/xdg")
    local nsl = AS_NOBODY .. "env XDG_RUNTIME_DIR=" .. dir .. "/xdg " .. T.quote(T.nsl)
    assert.equal(0, T.sh(nsl .. " up " .. dir .. "/lab1.lua").code)
    local r = T.sh(table.concat({
      nsl .. " capture lab1 r1:eth0 -w " .. dir .. "/r1.pcap 2>" .. dir .. "/cap.err & p=$!",
      "i=0; while ! grep -q listening " .. dir .. "/cap.err && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
      nsl .. " exec r1 -- ping -c2 -i0.2 -W2 10.53.0.2 >/dev/null; echo ping $?",
      "kill -TERM $p; wait $p; echo status $?",
      "cat " .. dir .. "/cap.err",
    }, "\n"))
    assert.matches("ping 0\nstatus 143\nnsl: capture: listening on r1:eth0 ", r.out, 1)
    local pcap = T.sh("tcpdump -n -r " .. dir .. "/r1.pcap")
    assert.equal(0, pcap.code, pcap.err)
    assert.matches("IP 10.53.0.1 > 10.53.0.2: ICMP echo request", pcap.out, 1, true)
    assert.matches("IP 10.53.0.2 > 10.53.0.1: ICMP echo reply", pcap.out, 1, true)
    assert.equal(0, T.sh(nsl .. " down lab1").code)
    for _ = 1, 100 do if leftovers() == before then break end T.sh("sleep 0.05") end
    assert.equal(before, leftovers())
  end)

  it("maps nobody's /etc/subuid range too: a process may drop to www-data", function()
    if not need_range() then return end
    add_range("nobody", 200000)
    local ok, r = pcall(T.sh, AS_NOBODY .. T.quote(T.nsl) .. " -e " .. T.quote(inside))
    drop_range("nobody")
    assert(ok, r)
    assert.equal(0, r.code, r.err)
    assert.matches("^%s*0%s+65534%s+1\n%s*1%s+200000%s+65536\ntrue\t33\n\n$", r.out)
    assert.equal(before, leftovers())
  end)

  it("an ordinary user with a range runs make demo's nginx (workers as nobody)", function()
    if not need_range() then return end
    assert.equal(0, T.sh("useradd -M -u 1500 -s /bin/sh nsl-rl-test").code)
    drop_range("nsl-rl-test")  -- useradd may have given one: ours is known
    add_range("nsl-rl-test", 300000)
    local as_user = "setpriv --reuid=1500 --regid=1500 --clear-groups "
    local ok, r = pcall(T.sh, as_user .. T.quote(T.nsl) .. " examples/s2_nginx.lua")
    local ok2, id = pcall(T.sh, as_user .. T.quote(T.nsl) .. " -e " .. T.quote(inside))
    drop_range("nsl-rl-test")
    T.sh("userdel nsl-rl-test")
    assert(ok, r)
    assert(ok2, id)
    assert.equal(0, r.code, r.out .. r.err)
    assert.matches("9 passed, 0 failed", r.out, 1, true)
    assert.matches("^%s*0%s+1500%s+1\n%s*1%s+300000%s+65536\ntrue\t33\n\n$", id.out)
    assert.equal(before, leftovers())
  end)

  it("without a range, only root is mapped: nginx cannot hand files to its workers", function()
    if not need_userns() then return end
    local r = T.sh(AS_NOBODY .. T.quote(T.nsl) .. " examples/s2_nginx.lua")
    assert.equal(1, r.code)
    assert.matches("chown%(.-%) failed %(22: Invalid argument%)", r.out .. r.err)
    assert.equal(before, leftovers())
  end)

  it("runs the REPL as nobody: Ctrl-C interrupts a line, not the world", function()
    if not need_userns() then return end
    local term = T.terminal(AS_NOBODY .. "env HOME=/tmp NSL_HISTORY= " .. T.quote(T.nsl) ..
      "; echo exit status $?")
    local ok, err = pcall(function()
      term:wait_for("running rootless", 5, true)
      term:wait_for("nsl> ")
      term:line('ns_add("r1"); print(ns_list()[1], 40 + 2)')
      term:wait_for("r1\t?%s+42")
      term:line("while true do end")
      T.sh("sleep 0.2")
      term:key("C-c")
      term:wait_for("interrupted", 5, true)
      term:line("os.exit(3)")
      term:wait_for("exit status 3", 5, true)
    end)
    local screen = term:screen()
    term:close()
    assert(ok, tostring(err) .. "\n" .. screen)
    assert.equal(before, leftovers())
  end)

  it("nsl ls and exec, unprivileged, join the caller's rootless world from another terminal", function()
    if not need_userns() then return end
    local dir = nobody_dir({ ["lab.lua"] = [[
      local t <close> = nsl.topology { prefix = "rj-", namespaces = { "a", "b" },
                                       links = { { "a", "b", subnet = "10.7.0.0/30" } } }
      t:up()
      print("ready"); io.stdout:flush()
      sleep(1000)
    ]], ["xdg/.keep"] = "" })
    os.execute("chown 65534 " .. dir .. "/xdg && chmod 700 " .. dir .. "/xdg")
    local env = "env XDG_RUNTIME_DIR=" .. dir .. "/xdg "
    local nsl = AS_NOBODY .. env .. T.quote(T.nsl)
    local r = T.sh(table.concat({
      nsl .. " " .. dir .. "/lab.lua >" .. dir .. "/out 2>&1 & p=$!",
      "i=0; while ! grep -q ready " .. dir .. "/out && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
      "ls " .. dir .. "/xdg/nsl",
      nsl .. " ls",
      nsl .. " exec a -- ip -br -4 addr show dev eth0",
      "kill -TERM $p; wait $p; echo status $?",
      "ls " .. dir .. "/xdg/nsl",
      nsl .. " ls",
      -- a SIGKILL leaves the world's file: the next nsl ls drops it
      "rm " .. dir .. "/out",
      nsl .. " " .. dir .. "/lab.lua >" .. dir .. "/out 2>&1 & p=$!",
      "i=0; while ! grep -q ready " .. dir .. "/out && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
      "kill -KILL $p; wait $p; echo status $?; sleep 0.2",
      "echo files $(ls " .. dir .. "/xdg/nsl | wc -l)",
      nsl .. " ls >/dev/null",
      "echo files $(ls " .. dir .. "/xdg/nsl | wc -l)",
    }, "\n"))
    local out = r.out
    assert.matches("^world%-%d+\n", out)
    assert.matches("topology rj-", out, 1, true)
    assert.matches("eth0%S*%s+UP%s+10%.7%.0%.1/30", out)
    assert.matches("status 143\n", out, 1, true)
    -- after the world's end: its file is gone, nsl ls sees the caller's own world
    assert.matches("status 143\nno live nsl runs with topologies", out)
    assert.matches("status 137\nfiles 1\nfiles 0\n$", out)
    assert.equal(before, leftovers())
  end)
  -- A signal to the whole process group (kill -TERM -PGID, as a shell's
  -- job control or pkill) reaches the outer nsl, the world's pid 1 and the
  -- nsl of the world at once: the script must see it once, not a second
  -- time (relayed) in the middle of its own cleanup.
  it("a signal to the whole process group reaches the script once", function()
    if not need_userns() then return end
    local dir = nobody_dir({ ["sig.lua"] = [[
      print("ready"); io.stdout:flush()
      local ok, err = pcall(sleep, 100)
      print("caught", err)
      local t0 = os.clock(); while os.clock() - t0 < 0.5 do end
      print("cleanup done")
    ]] })
    for _, sig in ipairs({ "TERM", "INT" }) do
      local r = T.sh(table.concat({
        "setsid " .. AS_NOBODY .. T.quote(T.nsl) .. " " .. dir .. "/sig.lua >" .. dir .. "/out 2>&1 & p=$!",
        "i=0; while ! grep -q ready " .. dir .. "/out && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
        "kill -" .. sig .. " -$p; wait $p; echo status $?",
      }, "\n"))
      local out = T.slurp(dir .. "/out")
      assert.equal("status " .. (sig == "TERM" and 143 or 130) .. "\n", r.out, out)
      assert.matches("\ncaught\t[^\n]*\ncleanup done\n$", out)
      assert.equal(before, leftovers())
    end
  end)

  -- Signals that keep coming while the world ends: the last ones reach
  -- the outer nsl after pid 1 is gone, when the relay pipe has no reader.
  -- nsl still exits as the script did and removes its registry file.
  it("a flood of SIGTERM to nsl's pid: dies of SIGTERM, never of SIGPIPE, and leaves nothing", function()
    if not need_userns() then return end
    local dir = nobody_dir({ ["sig.lua"] = [[
      print("ready"); io.stdout:flush()
      sleep(100)
    ]], ["xdg/.keep"] = "" })
    os.execute("chown 65534 " .. dir .. "/xdg && chmod 700 " .. dir .. "/xdg")
    local nsl = AS_NOBODY .. "env XDG_RUNTIME_DIR=" .. dir .. "/xdg " .. T.quote(T.nsl)
    local r = T.sh(table.concat({
      "for n in 1 2 3 4 5 6 7 8; do",
      "  rm -f " .. dir .. "/out",
      "  " .. nsl .. " " .. dir .. "/sig.lua >" .. dir .. "/out 2>&1 & p=$!",
      "  i=0; while ! grep -q ready " .. dir .. "/out && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
      "  " .. AS_NOBODY .. "sh -c 'while kill -TERM '$p' 2>/dev/null; do :; done' & f=$!",
      "  wait $p; echo status $?; wait $f",
      "done",
      "echo files $(ls " .. dir .. "/xdg/nsl | wc -l)",
    }, "\n"))
    assert.equal(string.rep("status 143\n", 8) .. "files 0\n", r.out, r.err)
    assert.equal(before, leftovers())
  end)

  -- Egress through pasta.  The sandbox has no uplink and /dev/net/tun is
  -- root's alone here: the test gives it both, in the sandbox only: a veth
  -- to a namespace "nsl-rl-uplink" (10.77.0.1, the default route's
  -- gateway) and a tun node anyone may open, bound over /dev/net/tun in the
  -- sandbox's mount namespace (a tmpfs in its private /run holds it).
  local UPLINK = [[
    set -e
    ip netns add nsl-rl-uplink
    ip link add nsl-rl-up type veth peer name up1 netns nsl-rl-uplink
    ip addr add 10.77.0.2/24 dev nsl-rl-up; ip link set nsl-rl-up up
    ip -n nsl-rl-uplink addr add 10.77.0.1/24 dev up1; ip -n nsl-rl-uplink link set up1 up
    ip route add default via 10.77.0.1
    mkdir /run/nsl-rl-tun; mount -t tmpfs -o mode=0755 nsl-rl-tun /run/nsl-rl-tun
    mknod -m 0666 /run/nsl-rl-tun/tun c 10 200
    mount --bind /run/nsl-rl-tun/tun /dev/net/tun
  ]]
  local NO_UPLINK = [[
    umount /dev/net/tun; umount /run/nsl-rl-tun; rmdir /run/nsl-rl-tun
    ip route del default via 10.77.0.1; ip link del nsl-rl-up; ip netns del nsl-rl-uplink
  ]]

  local function need_pasta(with_uplink)
    if not need_userns() then return false end
    if T.sh("command -v pasta").code ~= 0 then
      T.pending("pasta missing (Debian's passt)")
      return false
    end
    if T.sh("test -c /dev/net/tun").code ~= 0 then
      T.pending("no /dev/net/tun (CONFIG_TUN)")
      return false
    end
    if with_uplink == false then return true end
    assert.equal("", T.sh("ip route show default").out, "the sandbox has a default route already")
    local r = T.sh(UPLINK)
    if r.code ~= 0 then
      T.sh(NO_UPLINK)
      error("cannot give the sandbox an uplink: " .. r.err)
    end
    finally(function() T.sh(NO_UPLINK) end)
    return true
  end

  -- a node behind nat = true, a server in it published on port 47801
  local lab = [[
    local t <close> = nsl.topology {
      prefix = "eg-",
      namespaces = { a = { publish = { [47801] = 47801 } } },
      links = { { "a", "host", subnet = "10.8.0.0/30", nat = true } },
    }
    t:up()
    local up
    for _, l in ipairs(link_list()) do if l.name == "nsl-rl-up" then up = l end end
    print("uplink", up and up.name, #addr_list({ dev = "nsl-rl-up", family = "inet" }))
    local r = t:exec("a", { "socat", "-T5", "-u", "TCP:10.77.0.1:47802", "-" }, { capture = true })
    io.write("from a: ", r.stdout, r.stderr)
    t:exec("a", { "socat", "TCP-LISTEN:47801,reuseaddr,fork", "SYSTEM:echo hello from a" },
           { background = true })
    t:exec("a", { "sh", "-c", "while ! ss -Htln sport = :47801 | grep -q .; do sleep 0.05; done" })
    print("ready"); io.stdout:flush()
    if arg[1] == "error" then error("boom") end
    if arg[1] == "wait" then sleep(1000) end
  ]]

  it("--publish: a node behind nat reaches the machine's loopback through pasta, "
     .. "and the machine's 127.0.0.1:47801 reaches a server in the world", function()
    if not need_pasta() then return end
    local dir = nobody_dir({ ["lab.lua"] = lab })
    local r = T.sh(table.concat({
      "socat TCP-LISTEN:47802,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo hello from the machine' " ..
        "</dev/null >/dev/null 2>&1 & s=$!",
      AS_NOBODY .. T.quote(T.nsl) .. " --publish 47801 " .. dir .. "/lab.lua wait >" .. dir .. "/out 2>&1 & p=$!",
      "i=0; while ! grep -q ready " .. dir .. "/out && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
      "socat -T5 -u TCP:127.0.0.1:47801 - </dev/null",
      "kill $s; kill -TERM $p; wait $p; echo status $?",
    }, "\n"))
    local out = T.slurp(dir .. "/out")
    assert.equal("hello from a\nstatus 143\n", r.out, out .. r.err)
    assert.matches("^uplink\tnsl%-rl%-up\t1\nfrom a: hello from the machine\nready\n", out)
    assert.equal(before, leftovers())
  end)

  -- The endings: pasta (a process of nobody) must go with the world.
  -- make check: an error and SIGKILL; a normal end and SIGTERM take the
  -- error's way out, and make check-full runs them too
  for _, case in ipairs({ { "normal", 0, full = true }, { "error", 1 }, { "TERM", 143, full = true },
                          { "KILL", 137 } }) do
    it("leaves no pasta after " .. (case[1] == "normal" and "a normal end" or case[1] == "error" and "an error"
       or "SIG" .. case[1]) .. " (NSL_ROOTLESS_EGRESS=1)", function()
      if case.full and not T.full() then
        return pending((case[1] == "normal" and "a normal end" or "SIGTERM") ..
          " takes an error's way out: make check-full runs it")
      end
      if not need_pasta() then return end
      local dir = nobody_dir({ ["lab.lua"] = lab })
      local how = (case[1] == "TERM" or case[1] == "KILL") and "wait" or case[1]
      local r = T.sh(table.concat({
        "socat TCP-LISTEN:47802,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo hello from the machine' " ..
          "</dev/null >/dev/null 2>&1 & s=$!",
        "NSL_ROOTLESS_EGRESS=1 " .. AS_NOBODY .. T.quote(T.nsl) .. " " .. dir .. "/lab.lua " .. how ..
          " >" .. dir .. "/out 2>&1 & p=$!",
        "i=0; while ! grep -q -e ready -e boom " .. dir .. "/out && kill -0 $p && [ $i -lt 200 ]; do",
        "  sleep 0.05; i=$((i+1)); done",
        -- while the world runs, pasta does (its comm may be passt.avx2)
        how == "wait" and "ps -u 65534 -o args= | grep -c '^pasta '" or "echo 1",
        how == "wait" and "kill -" .. case[1] .. " $p" or "true",
        "wait $p; echo status $?; kill $s",
      }, "\n"))
      assert.equal("1\nstatus " .. case[2] .. "\n", r.out, T.slurp(dir .. "/out") .. r.err)
      assert.matches("from a: hello from the machine\n", T.slurp(dir .. "/out"), 1, true)
      for _ = 1, 100 do  -- SIGKILL: pasta goes with its parent, a moment later
        if leftovers() == before then break end
        T.sh("sleep 0.05")
      end
      assert.equal(before, leftovers())
    end)
  end

  it("says why there is no uplink: no pasta, no tun, no default route; a bad --publish", function()
    if not need_pasta(false) then return end
    local nsl = AS_NOBODY .. T.quote(T.nsl)
    -- pasta hidden (in the sandbox's mount namespace only)
    local r = T.sh("mount --bind /dev/null /usr/bin/pasta && " .. nsl .. " --egress -e 'print(1)'; " ..
      "echo status $?; umount /usr/bin/pasta")
    assert.equal("status 1\n", r.out)
    assert.equal("nsl: --rootless: egress needs pasta (Debian package passt), not found in /usr/bin, /bin, "
      .. "/usr/sbin or /sbin\n", r.err)
    -- no default route here: pasta refuses, nsl tells what pasta said
    r = T.sh(nsl .. " --egress -e 'print(1)'")
    assert.equal(1, r.code)
    assert.equal("", r.out)
    assert.matches("^nsl: %-%-rootless: egress: pasta exited with status 1: [^\n]*No external routable "
      .. "interface for IPv4[^\n]*%(pasta copies the machine's default route: it has none%)\n$", r.err)
    -- a default route, but /dev/net/tun is root's (as on this machine)
    if T.sh(AS_NOBODY .. "test -r /dev/net/tun").code ~= 0 then
      r = T.sh("ip link add nsl-rl-up type veth peer name nsl-rl-up1 && ip addr add 10.77.0.2/24 dev nsl-rl-up && " ..
        "ip link set nsl-rl-up up && ip route add default via 10.77.0.1 && " .. nsl .. " --egress -e 'print(1)'; " ..
        "echo status $?; ip link del nsl-rl-up")
      assert.equal("status 1\n", r.out)
      assert.matches("^nsl: %-%-rootless: egress: pasta exited with status 1: [^\n]*tun[^\n]*%(pasta needs "
        .. "/dev/net/tun, read and write for the caller%)\n$", r.err)
    end
    for spec, why in pairs({ ["0"] = "a port must be 1 to 65535", ["80,x"] = "expected a port",
                             ["90-80"] = "a range must go up", ["53/sctp"] = "expected a port" }) do
      r = T.sh(nsl .. " --publish " .. T.quote(spec) .. " -e 'print(1)'")
      assert.equal(1, r.code)
      assert.matches("^nsl: %-%-publish: " .. spec:gsub("%p", "%%%0") .. ": " .. why, r.err)
    end
    r = T.sh(nsl .. " --publish")
    assert.equal("nsl: --publish needs the ports (8080,5353/udp)\n", r.err)
    r = T.sh("NSL_ROOTLESS_PUBLISH=99999 " .. nsl .. " -e 'print(1)'")
    assert.equal(1, r.code)
    assert.matches("^" .. NOTE:gsub("%p", "%%%0") .. "nsl: NSL_ROOTLESS_PUBLISH: 99999: a port must be", r.err)
    assert.equal(before, leftovers())
  end)
  it("nsl ls lists every world (root: every user's); show and exec choose with --world", function()
    if not need_userns() then return end
    local dir = nobody_dir({ ["lab.lua"] = [[
      local t <close> = nsl.topology { prefix = "rw-", namespaces = { "a", "b" },
                                       links = { { "a", "b", subnet = arg[1] } } }
      t:up()
      print("ready"); io.stdout:flush()
      sleep(1000)
    ]] })
    -- root finds users' worlds under /run/user/<uid>/nsl (the sandbox's /run)
    user_run_dir()
    local nsl = AS_NOBODY .. "env XDG_RUNTIME_DIR=/run/user/65534 " .. T.quote(T.nsl)
    local function start(n, subnet)
      return table.concat({
        nsl .. " " .. dir .. "/lab.lua " .. subnet .. " >" .. dir .. "/out" .. n .. " 2>&1 & p" .. n .. "=$!",
        "i=0; while ! grep -q ready " .. dir .. "/out" .. n .. " 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
      }, "\n")
    end
    local r = T.sh(table.concat({
      start(1, "10.6.1.0/30"), start(2, "10.6.2.0/30"),
      "echo p $p1 $p2",
      "echo '# ls'", nsl .. " ls",
      "echo '# exec'", nsl .. " exec a -- true; echo status $?",
      "echo '# exec -w'", nsl .. " exec -w $p2 a -- ip -br -4 addr show dev eth0",
      "echo '# exec --world'", nsl .. " exec --world $p1 a -- ip -br -4 addr show dev eth0",
      "echo '# show --world='", nsl .. " show --world=$p1 a | grep -c 10.6.1.1",
      "echo '# root ls'", T.quote(T.nsl) .. " ls",
      "echo '# root ls --json'", T.quote(T.nsl) .. " ls --json | wc -l",
      T.quote(T.nsl) .. " ls --json | grep -c '\"world\":{'",
      "echo '# root exec -w'", T.quote(T.nsl) .. " exec -w $p2 a -- ip -br -4 addr show dev eth0",
      "echo '# no such world'", nsl .. " show --world 1 a; echo status $?",
      "kill -TERM $p1 $p2; wait $p1; wait $p2",
    }, "\n"))
    local p1, p2 = r.out:match("^p (%d+) (%d+)\n")
    assert(p1, r.out .. r.err)
    local function part(name) return r.out:match("# " .. name:gsub("%p", "%%%0") .. "\n(.-)\n#") end
    -- unprivileged: both worlds, each under its heading
    local ls = part("ls")
    assert.matches("^rootless world %d+ of nobody:\n", ls)
    assert.matches("rootless world " .. p1 .. " of nobody:\n", ls, 1, true)
    assert.matches("rootless world " .. p2 .. " of nobody:\n", ls, 1, true)
    assert.not_matches("this machine", ls, 1, true)
    assert.equal("status 1", part("exec"))
    assert.matches("nsl: exec: 2 rootless worlds run: %d+ %(nobody%), %d+ %(nobody%); choose one with %-%-world PID\n",
      r.err)
    assert.matches("^eth0%S*%s+UP%s+10%.6%.2%.1/30", part("exec -w"))
    assert.matches("^eth0%S*%s+UP%s+10%.6%.1%.1/30", part("exec --world"))
    assert.equal("1", part("show --world="))
    -- root: the users' worlds, then this machine's own runs
    local root_ls = part("root ls")
    assert.matches("rootless world " .. p1 .. " of nobody:\n", root_ls, 1, true)
    assert.matches("rootless world " .. p2 .. " of nobody:\n", root_ls, 1, true)
    assert.matches("\nthis machine:\n", root_ls)
    assert.equal("3\n2", part("root ls --json"))
    assert.matches("^eth0%S*%s+UP%s+10%.6%.2%.1/30", part("root exec -w"))
    assert.matches("status 1\n$", r.out)
    assert.matches("nsl: show: no rootless world 1 %(running: %d+ %(nobody%), %d+ %(nobody%)%)\n", r.err)
    assert.equal(before, leftovers())
  end)

  -- A registry file is written by its user: root, which reads every
  -- user's, must not be sent by one into another process's namespaces
  -- (the sandbox's pid 1, a process of the user's outside any world).
  it("root joins no world a user's registry file merely names, and says why", function()
    if not need_userns() then return end
    user_run_dir()
    local stat1 = T.slurp("/proc/1/stat"):match("%)(.*)$")
    local fields = {}
    for f in stat1:gmatch("%S+") do fields[#fields + 1] = f end
    local start1 = fields[20]	-- field 22 of /proc/PID/stat
    local r = T.sh(table.concat({
      AS_NOBODY .. "sleep 100 & s=$!",
      "sleep 0.1; t=$(sed 's/.*) //' /proc/$s/stat | cut -d' ' -f20)",
      AS_NOBODY .. "sh -c 'mkdir -p /run/user/65534/nsl && echo \"1 " .. start1 ..
        "\" >/run/user/65534/nsl/world-4242 && echo \"'$s' '$t'\" >/run/user/65534/nsl/world-4243'",
      "echo '# ls'", T.quote(T.nsl) .. " ls; echo status $?",
      "echo '# exec -w'", T.quote(T.nsl) .. " exec -w 4242 -- echo joined; echo status $?",
      "echo '# show -w'", T.quote(T.nsl) .. " show -w 4243; echo status $?",
      "echo '# files'; ls /run/user/65534/nsl",
      "kill $s; wait $s",
      "echo '#'",
    }, "\n"))
    local function part(name) return r.out:match("# " .. name:gsub("%p", "%%%0") .. "\n(.-)\n#") end
    local ls = part("ls")
    assert(ls, r.out .. r.err)
    -- only this machine's own runs (none), no world heading
    assert.equal("no live nsl runs with topologies\nstatus 0", ls)
    assert.matches("nsl: ls: rootless world 4242 of nobody skipped: its pid 1 %(1%) is uid 0's, not uid 65534's\n", r.err)
    assert.matches("nsl: ls: rootless world 4243 of nobody skipped: "
      .. "the user namespace of its pid 1 %(%d+%) is not uid 65534's\n", r.err)
    assert.equal("status 1", part("exec -w"))
    assert.matches("nsl: exec: rootless world 4242 refused: its pid 1 %(1%) is uid 0's, not uid 65534's\n", r.err)
    assert.equal("status 1", part("show -w"))
    assert.matches("nsl: show: rootless world 4243 refused: the user namespace", r.err, 1, true)
    -- the files are left: their processes run, and a user's files are the user's
    assert.equal("world-4242\nworld-4243", part("files"))
    assert.equal(before, leftovers())
  end)

  -- Root joining a world enters namespaces its user shaped: its mounts,
  -- its run directory.  The world plants a Lua module where root's
  -- package.path looks (a tmpfs over /usr/local/share), a FIFO and a lab
  -- file with "pid": 1e300: root's ls, show and exec load nothing of it,
  -- skip the files with a line each, and act there as the world's root,
  -- never as root (a root-only folder stays unwritten).
  it("root's ls, show and exec in a world run nothing the world planted and trust none of its files", function()
    if not need_userns() then return end
    local secret = T.tmpdir() -- root's, 0700: nobody cannot write there
    finally(function() T.rm(secret) end)
    local dir = nobody_dir({ ["lab.lua"] = [[
      local t <close> = nsl.topology { prefix = "rp-", namespaces = { "a" } }
      t:up()
      local run = require("nsl.core")._record_dir()
      local mark = arg[1] .. "/planted"
      os.execute("mount -t tmpfs plant /usr/local/share && mkdir -p /usr/local/share/lua/5.4")
      for _, m in ipairs({ "cjson", "dkjson" }) do
        local f = assert(io.open("/usr/local/share/lua/5.4/" .. m .. ".lua", "w"))
        f:write("local f = io.open('" .. mark .. "', 'w') if f then f:write('ran') f:close() end return {}")
        f:close()
      end
      os.execute("mkfifo " .. run .. "/5-5.lab.json")
      local f = assert(io.open(run .. "/1-1.lab.json", "w"))
      f:write('{"run":"1-1","pid":1e300,"start":1}')
      f:close()
      print("ready"); io.stdout:flush()
      sleep(1000)
    ]] })
    user_run_dir()
    local nsl = AS_NOBODY .. "env XDG_RUNTIME_DIR=/run/user/65534 " .. T.quote(T.nsl)
    local root = "timeout 10 " .. T.quote(T.nsl)
    local r = T.sh(table.concat({
      nsl .. " " .. dir .. "/lab.lua " .. secret .. " >" .. dir .. "/out 2>&1 & p=$!",
      "i=0; while ! grep -q ready " .. dir .. "/out 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
      "echo '# ls'", root .. " ls; echo status $?",
      "echo '# ls --json'", root .. " ls --json | grep -c '\"world\":{'; echo status $?",
      "echo '# show'", root .. " show -w $p a >/dev/null; echo status $?",
      "echo '# exec'", root .. " exec -w $p a -- sh -c 'id -u; echo x >" .. secret .. "/exec-wrote'; echo status $?",
      "echo '# files'; echo \"[$(ls " .. secret .. ")]\"",
      "kill -TERM $p; wait $p",
      "echo '#'",
    }, "\n"))
    local function part(name) return r.out:match("# " .. name:gsub("%p", "%%%0") .. "\n(.-)\n#") end
    assert(part("ls"), r.out .. r.err)
    assert.matches("rootless world %d+ of nobody:\n", part("ls"))
    assert.matches("topology rp-", part("ls"), 1, true)
    assert.matches("status 0$", part("ls"))
    assert.equal("1\nstatus 0", part("ls --json"))
    assert.equal("status 0", part("show"))
    assert.matches("^0\n", part("exec")) -- the world's root
    assert.matches("status [12]$", part("exec")) -- which cannot write root's folder (sh: 2)
    assert.equal("[]", part("files")) -- no planted module ran, nothing was written
    assert.not_matches("traceback", r.err)
    for _, cmd in ipairs({ "ls", "show", "exec" }) do
      assert.matches("nsl: " .. cmd .. ": /run/nsl/5-5.lab.json: not a regular file (a FIFO) (skipped)\n", r.err, 1, true)
      assert.matches("nsl: " .. cmd .. ": /run/nsl/1-1.lab.json: pid 1e+300 is not a pid (skipped)\n", r.err, 1, true)
    end
    assert.equal(before, leftovers())
  end)

  -- A registry file is written as world-PID.tmp and renamed: a reader that
  -- finds one empty (an older nsl at work) or one whose writer still runs
  -- leaves it be; only a file whose world and writer are both gone goes.
  it("nsl ls removes a registry file only when its world and its writer are gone", function()
    if not need_userns() then return end
    local dir = nobody_dir({ ["xdg/.keep"] = "" })
    os.execute("chown 65534 " .. dir .. "/xdg && chmod 700 " .. dir .. "/xdg")
    local nsl = AS_NOBODY .. "env XDG_RUNTIME_DIR=" .. dir .. "/xdg " .. T.quote(T.nsl)
    local reg = dir .. "/xdg/nsl/"
    local r = T.sh(table.concat({
      AS_NOBODY .. "sleep 100 & s=$!",
      "mkdir " .. reg .. " && : >" .. reg .. "world-$s && echo '999999 1' >" .. reg .. "world-$s.tmp",
      "echo '999999 1' >" .. reg .. "world-999998 && : >" .. reg .. "world-999997",
      "chown -R 65534 " .. reg,
      nsl .. " ls >/dev/null; echo status $?",
      "ls " .. reg .. " | sed \"s/$s/S/\" | LC_ALL=C sort",
      "kill $s; wait $s",
    }, "\n"))
    assert.equal("status 0\nworld-999997\nworld-S\nworld-S.tmp\n", r.out, r.err)
    assert.equal(before, leftovers())
  end)

  -- nsl exec -w: the process joined to the world dies with the nsl the
  -- caller started (PR_SET_PDEATHSIG), and the command with it.
  it("nsl exec -w killed by SIGKILL leaves no command running in the world", function()
    if not need_userns() then return end
    local dir = nobody_dir({ ["lab.lua"] = [[
      local t <close> = nsl.topology { prefix = "rk-", namespaces = { "a" } }
      t:up()
      print("ready"); io.stdout:flush()
      sleep(1000)
    ]], ["xdg/.keep"] = "" })
    os.execute("chown 65534 " .. dir .. "/xdg && chmod 700 " .. dir .. "/xdg")
    local nsl = AS_NOBODY .. "env XDG_RUNTIME_DIR=" .. dir .. "/xdg " .. T.quote(T.nsl)
    local r = T.sh(table.concat({
      nsl .. " " .. dir .. "/lab.lua >" .. dir .. "/out 2>&1 & p=$!",
      "i=0; while ! grep -q ready " .. dir .. "/out && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
      nsl .. " exec -w $p a -- sleep 4242 & e=$!",
      "i=0; while ! pgrep -u 65534 -fx 'sleep 4242' >/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
      "echo running $(pgrep -u 65534 -fxc 'sleep 4242')",
      "kill -KILL $e; wait $e; sleep 0.3",
      "echo running $(pgrep -u 65534 -fxc 'sleep 4242')",
      "kill -TERM $p; wait $p; echo status $?",
    }, "\n"))
    assert.equal("running 1\nrunning 0\nstatus 143\n", r.out, r.err)
    assert.equal(before, leftovers())
  end)

  it("gives a node its files and private directories rootless too, unseen by the host", function()
    if not need_userns() then return end
    local dir = nobody_dir({ ["s.lua"] = [[
      local t <close> = nsl.topology { namespaces = {
        r1 = { files = { ["/etc/hostname"] = "r1-own\n", ["/etc/nsl-rl/x.conf"] = "x\n" }, private = { "/run/frr" } },
        r2 = {} } }
      t:up()
      io.write(t:exec("r1", { "sh", "-c", "cat /etc/hostname /etc/nsl-rl/x.conf; touch /run/frr/a && ls /run/frr" },
        { capture = true }).stdout)
      io.write(t:exec("r2", { "sh", "-c", "ls /run/frr /etc/nsl-rl 2>&1 | wc -l" }, { capture = true }).stdout)
    ]] })
    local host = T.slurp("/etc/hostname")
    local r = T.sh(AS_NOBODY .. T.quote(T.nsl) .. " " .. dir .. "/s.lua")
    assert.equal(0, r.code, r.err)
    assert.equal("r1-own\nx\na\n2\n", r.out)
    assert.equal(host, T.slurp("/etc/hostname"))
    assert.is_nil(io.open("/etc/nsl-rl/x.conf"))
    assert.equal(before, leftovers())
    -- an owner the world does not map: one line at the user's line
    dir = nobody_dir({ ["o.lua"] = [[
      local t = nsl.topology { namespaces = { r1 = { private = { ["/run/frr"] = { owner = "root", mode = "0700" } },
        files = { ["/etc/x"] = { content = "", owner = "0" } } } } }
    ]] })
    r = T.sh(AS_NOBODY .. T.quote(T.nsl) .. " " .. dir .. "/o.lua")
    assert.equal(0, r.code, r.err) -- root is mapped: the caller is root in its world
    dir = nobody_dir({ ["n.lua"] = [[
      local t = nsl.topology { namespaces = { r1 = { private = { ["/run/frr"] = { owner = "nobody" } } } } }
    ]] })
    r = T.sh(AS_NOBODY .. T.quote(T.nsl) .. " " .. dir .. "/n.lua")
    assert.equal(1, r.code)
    assert.matches("n.lua:1: topology: namespace r1: private /run/frr: owner 'nobody' (uid 65534) has no uid in " ..
      "this user namespace (a rootless run maps only its caller): leave it out", r.err, 1, true)
  end)
end)
