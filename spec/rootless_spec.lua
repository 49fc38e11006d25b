-- nsl without root (src/cmd/rootless.c): an unprivileged caller's run
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

-- What an unprivileged run may have left on the machine: processes of
-- nobody, records under /run/nsl, namespaces under /run/netns.
local function leftovers()
  local r = T.sh("ps -u 65534 -o pid=,args=; ls /run/netns; ls /run/nsl 2>/dev/null | grep -v '^uts$'")
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
    assert.not_matches("rootless", r.err)
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

  for _, case in ipairs({ { "TERM", 143 }, { "INT", 130 }, { "HUP", 129 }, { "KILL", 137 } }) do
    it("leaves nothing after SIG" .. case[1] .. " to nsl's pid, and dies of it", function()
      if not need_userns() then return end
      local dir = nobody_dir({ ["bg.lua"] = bg })
      local r = T.sh(table.concat({
        AS_NOBODY .. T.quote(T.nsl) .. " " .. dir .. "/bg.lua wait >" .. dir .. "/out 2>&1 & p=$!",
        "i=0; while ! grep -q ready " .. dir .. "/out && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
        "kill -" .. case[1] .. " $p; wait $p; echo $?",
      }, "\n"))
      assert.equal(case[2] .. "\n", r.out, T.slurp(dir .. "/out"))
      if case[1] ~= "KILL" then
        -- the script's cleanups ran: the blocking ns_exec was interrupted
        assert.matches("bg.lua:5:", T.slurp(dir .. "/out"), 1, true)
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
      term:wait_for("interrupted!", 5, true)
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
end)
