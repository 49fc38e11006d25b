-- nsl without root (src/cmd/rootless.c, egress.c, worlds.c): an unprivileged caller's run
-- goes into a world of its own, user, mount, network and PID namespaces,
-- and leaves nothing behind on the machine, whatever its ending.  The
-- unprivileged caller is nobody (setpriv), inside spec/sandbox.  The
-- world's ways to the outside (pasta, other terminals, root) are
-- spec/rootless_outside_spec.lua's.
local T = require "spec.support.util"
local R = require "spec.support.rootless"
local AS_NOBODY, NOTE, need_userns, nobody_dir, leftovers =
  R.AS_NOBODY, R.NOTE, R.need_userns, R.nobody_dir, R.leftovers

describe("nsl without root #rootless", function()
  local before
  before_each(function() before = leftovers() end)
  after_each(R.rm_dirs)

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
    local nsl = R.nsl_with_xdg(dir)
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
      -- Ctrl-C once the chunk runs (it says so: SPIN is made at run time,
      -- the echoed line does not show it); before the REPL has read the
      -- line, the tty would discard the typed input instead
      term:line("io.write(('spin'):upper(), '\\n') io.flush() while true do end")
      term:wait_for("\nSPIN", 5, true)
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
      -- the last round's "ready" must not be seen before this nsl starts:
      -- a signal then meets setsid, which (a background job of sh) ignores INT
      os.remove(dir .. "/out")
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
    local nsl = R.nsl_with_xdg(dir)
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
