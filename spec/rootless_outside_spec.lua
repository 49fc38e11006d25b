-- A rootless world and the outside (src/cmd/egress.c, worlds.c): the
-- machine reached from the world through pasta (egress, --publish), and
-- the world reached from outside it: nsl ls, show and exec from another
-- terminal or as root, through the registry files, which root never
-- believes.  The unprivileged caller is nobody (setpriv), inside
-- spec/sandbox; the world itself is spec/rootless_spec.lua's.
local T = require "spec.support.util"
local R = require "spec.support.rootless"
local AS_NOBODY, NOTE, need_userns, nobody_dir, leftovers =
  R.AS_NOBODY, R.NOTE, R.need_userns, R.nobody_dir, R.leftovers

-- nobody's /run/user/65534, where root looks for users' worlds (the
-- sandbox's /run); removed after each test (by after_each, not finally:
-- busted keeps one finally per test, and the test's own would go).
local function user_run_dir()
  assert.equal(0, T.sh("mkdir -p /run/user/65534 && chown 65534 /run/user/65534 && chmod 700 /run/user/65534").code)
end

describe("nsl without root #rootless", function()
  local before
  before_each(function() before = leftovers() end)
  after_each(function()
    R.rm_dirs()
    T.sh("rm -rf /run/user/65534")
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

  -- The machine's server on 127.0.0.1:47802, which a reaches through
  -- pasta: seen listening before the world starts (not a moment after
  -- it), as $s; each test ends with kill $s; wait $s, so that the next
  -- one's socat finds the port free.
  local MACHINE = table.concat({
    "socat TCP-LISTEN:47802,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo hello from the machine' " ..
      "</dev/null >/dev/null 2>&1 & s=$!",
    "i=0; until ss -Htln 'sport = :47802' | grep -q .; do",
    "  [ $i -lt 200 ] || { echo 'nothing listens on 47802 after 10 s'; kill $s; exit 99; }",
    "  sleep 0.05; i=$((i+1)); done",
  }, "\n")

  it("--publish: a node behind nat reaches the machine's loopback through pasta, "
     .. "and the machine's 127.0.0.1:47801 reaches a server in the world", function()
    if not need_pasta() then return end
    local dir = nobody_dir({ ["lab.lua"] = lab })
    local r = T.sh(table.concat({
      MACHINE,
      AS_NOBODY .. T.quote(T.nsl) .. " --publish 47801 " .. dir .. "/lab.lua wait >" .. dir .. "/out 2>&1 & p=$!",
      "i=0; while ! grep -q ready " .. dir .. "/out && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
      "socat -T5 -u TCP:127.0.0.1:47801 - </dev/null",
      "kill $s; wait $s; kill -TERM $p; wait $p; echo status $?",
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
        MACHINE,
        "NSL_ROOTLESS_EGRESS=1 " .. AS_NOBODY .. T.quote(T.nsl) .. " " .. dir .. "/lab.lua " .. how ..
          " >" .. dir .. "/out 2>&1 & p=$!",
        "i=0; while ! grep -q -e ready -e boom " .. dir .. "/out && kill -0 $p && [ $i -lt 200 ]; do",
        "  sleep 0.05; i=$((i+1)); done",
        -- while the world runs, pasta does (its comm may be passt.avx2)
        how == "wait" and "ps -u 65534 -o args= | grep -c '^pasta '" or "echo 1",
        how == "wait" and "kill -" .. case[1] .. " $p" or "true",
        "wait $p; echo status $?; kill $s; wait $s",
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
      -- nsl ls drops it once the world's pid 1 (in it, before the outer
      -- pid) is reaped, a moment after the SIGKILL: wait for that, not 0.2 s
      "w=$(cut -d' ' -f1 " .. dir .. "/xdg/nsl/world-$p)",
      "kill -KILL $p; wait $p; echo status $?",
      "i=0; while [ -e \"/proc/$w\" ]; do",
      "  [ $i -lt 250 ] || { echo \"the world's pid 1 ($w) still there after 5 s\"; break; }",
      "  sleep 0.02; i=$((i+1)); done",
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
    local nsl = R.nsl_with_xdg(dir)
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
    local nsl = R.nsl_with_xdg(dir)
    local r = T.sh(table.concat({
      nsl .. " " .. dir .. "/lab.lua >" .. dir .. "/out 2>&1 & p=$!",
      "i=0; while ! grep -q ready " .. dir .. "/out && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
      nsl .. " exec -w $p a -- sleep 4242 & e=$!",
      "i=0; while ! pgrep -u 65534 -fx 'sleep 4242' >/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
      "echo running $(pgrep -u 65534 -fxc 'sleep 4242')",
      -- (PR_SET_PDEATHSIG: the command dies a moment after, in its own time)
      "kill -KILL $e; wait $e",
      "i=0; while pgrep -u 65534 -fx 'sleep 4242' >/dev/null && [ $i -lt 250 ]; do sleep 0.02; i=$((i+1)); done",
      "echo running $(pgrep -u 65534 -fxc 'sleep 4242')",
      "kill -TERM $p; wait $p; echo status $?",
    }, "\n"))
    assert.equal("running 1\nrunning 0\nstatus 143\n", r.out, r.err)
    assert.equal(before, leftovers())
  end)
end)
