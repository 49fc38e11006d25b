-- Nodes that run real software: a node's own files and private
-- directories (one mount namespace per node), services with a user, a
-- log, restarts, t:start/stop/restart, UNIX-socket and FIFO readiness,
-- t:wait_route; nothing of it seen by the host or left behind.
local T = require "spec.support.util"
local nsl = require "nsl"

local function needs()
  if not T.sandboxed() then
    pending("needs the sandbox: run make check")
    return false
  end
  return true
end

local function out(t, node, cmd)
  local r = t:exec(node, { "sh", "-c", cmd }, { capture = true })
  return r.stdout, r.code
end

describe("node files and private directories #netns", function()
  local t
  after_each(function() if t then pcall(t.down, t); t = nil end end)

  it("shows each node its own files and tmpfs directories; other nodes and the host see none", function()
    if not needs() then return end
    local etc_hostname = T.slurp("/etc/hostname")
    t = nsl.topology { namespaces = {
      r1 = { files = { ["/etc/hostname"] = "r1-over\n", ["/etc/nsl-new/app.conf"] = { content = "x=1\n", mode = "0640" },
                       ["/run/frr/frr.conf"] = "hostname r1\n" },
             private = { "/run/frr", ["/var/lib/nsl-bird"] = { owner = "nobody", mode = "0750" } } },
      r2 = { files = { ["/etc/hostname"] = "r2-over\n" } },
      r3 = {} } }
    t:up()
    assert.equal("r1-over\n", (out(t, "r1", "cat /etc/hostname")))
    assert.equal("r2-over\n", (out(t, "r2", "cat /etc/hostname")))
    assert.equal(etc_hostname, (out(t, "r3", "cat /etc/hostname")))
    assert.equal("x=1\n", (out(t, "r1", "cat /etc/nsl-new/app.conf")))
    assert.equal("640\n", (out(t, "r1", "stat -c %a /etc/nsl-new/app.conf")))
    assert.equal("hostname r1\n", (out(t, "r1", "cat /run/frr/frr.conf")))
    assert.equal("nobody 750 tmpfs\n",
      (out(t, "r1", "stat -c '%U %a' /var/lib/nsl-bird | tr '\\n' ' '; stat -f -c %T /var/lib/nsl-bird")))
    -- writable, and private to the node
    assert.equal(0, select(2, out(t, "r1", "echo pid > /run/frr/ospfd.pid")))
    assert.equal("", (out(t, "r2", "ls /run/frr 2>/dev/null; ls /etc/nsl-new 2>/dev/null")))
    -- the rest of /etc is still the host's in the layer over it
    assert.equal(0, select(2, out(t, "r1", "test -s /etc/passwd")))
    assert.equal(etc_hostname, T.slurp("/etc/hostname"))
    assert.is_nil(io.open("/etc/nsl-new/app.conf"))
    assert.is_nil(io.open("/run/frr/ospfd.pid"))
    -- services see them too, and so does nsl exec
    assert.matches("file /etc/hostname", t:report(), 1, true)
    assert.matches("private /var/lib/nsl-bird (0750 nobody)", t:report(), 1, true)
    t:down()
    t = nil
    assert.equal("", T.sh("ls /run/nsl/mnt").out)
    assert.equal(etc_hostname, T.slurp("/etc/hostname"))
  end)

  it("never writes the host's files through the binds of a layer over a host directory", function()
    if not needs() then return end
    -- the sandbox's /etc is an overlay: writing it would not reach the machine
    if T.sh("findmnt -n -o FSTYPE /etc").out ~= "overlay\n" then
      pending("the sandbox's /etc is no overlay here: a defect could write the host's") return
    end
    local host = { ["/etc/hostname"] = T.slurp("/etc/hostname"), ["/etc/hosts"] = T.slurp("/etc/hosts") }
    local d = T.tmpdir()
    finally(function() T.rm(d) end)
    T.sh("mkdir " .. d .. "/a && printf host-f > " .. d .. "/a/f && printf host-g > " .. d .. "/g")
    t = nsl.topology { namespaces = {
      -- a layer over /etc for the new file, then /etc/hostname below it
      r1 = { files = { ["/etc/aaa-new/x"] = "x\n", ["/etc/hostname"] = "PWNED\n" } },
      -- a layer over /etc for the private directory, then /etc/hosts
      r2 = { private = { "/etc/nsl-frr" }, files = { ["/etc/hosts"] = "node hosts\n" } },
      -- a layer over d, then a private directory, files and a new directory below its binds
      r3 = { private = { d .. "/a-new", d .. "/a/p" },
             files = { [d .. "/a/f"] = "node-f", [d .. "/g"] = "node-g", [d .. "/a/new/y"] = "y" } } } }
    t:up()
    local function host_intact()
      assert.equal(host["/etc/hostname"], T.slurp("/etc/hostname"))
      assert.equal(host["/etc/hosts"], T.slurp("/etc/hosts"))
      assert.equal("host-f", T.slurp(d .. "/a/f"))
      assert.equal("host-g", T.slurp(d .. "/g"))
      assert.equal("a\na/f\ng\n", T.sh("cd " .. d .. " && find . -mindepth 1 | sed 's|^./||' | sort").out)
      assert.is_nil(io.open("/etc/aaa-new/x"))
    end
    host_intact()
    assert.equal("PWNED\nx\n", (out(t, "r1", "cat /etc/hostname /etc/aaa-new/x")))
    assert.equal("node hosts\n", (out(t, "r2", "cat /etc/hosts")))
    assert.equal("tmpfs\n", (out(t, "r2", "stat -f -c %T /etc/nsl-frr")))
    assert.equal("node-f node-g y tmpfs tmpfs\n",
      (out(t, "r3", "cd " .. d .. " && echo $(cat a/f) $(cat g) $(cat a/new/y) " ..
        "$(stat -f -c %T a/p) $(stat -f -c %T a-new)")))
    -- the other entries of the covered directories are still the host's
    assert.equal(host["/etc/hosts"], (out(t, "r1", "cat /etc/hosts")))
    assert.equal(host["/etc/hostname"], (out(t, "r2", "cat /etc/hostname")))
    t:down()
    t = nil
    host_intact()
  end)

  it("nsl exec and services run in the node's mount namespace", function()
    if not needs() then return end
    local script, dir = T.script([[
      local t = nsl.topology { prefix = "nx-", namespaces = { a = { files = { ["/etc/nsl-x.conf"] = "mine\n" } } },
        services = { s = { ns = "a", cmd = { "sh", "-c", "cat /etc/nsl-x.conf; exec sleep 30" }, log = true } } }
      t:up()
      print("up"); io.stdout:flush()
      sleep(30)
    ]])
    finally(function() T.rm(dir); T.run({ "--clean" }) end)
    -- (the service has no ready: up returns once it is spawned, and its
    -- cat writes the log in its own time)
    local r = T.sh(T.quote(T.nsl) .. " " .. T.quote(script) .. " > " .. dir .. "/out & pid=$!; " ..
      "for i in $(seq 200); do grep -qs up " .. dir .. "/out && break; sleep 0.05; done; " ..
      "for i in $(seq 200); do grep -qs mine /run/nsl/log/nx-a-s.log && break; sleep 0.05; done; " ..
      T.quote(T.nsl) .. " exec a -- cat /etc/nsl-x.conf; cat /run/nsl/log/nx-a-s.log; " ..
      T.quote(T.nsl) .. " show | grep -o '^  files$' | sed 's/ //g'; kill -KILL $pid; wait $pid")
    assert.equal("mine\nmine\nfiles\n", r.out)
    -- SIGKILL + --clean: the mount namespace's binding goes
    assert.matches("nx%-a", T.sh("ls /run/nsl/mnt").out)
    r = T.run({ "--clean" })
    assert.equal(0, r.code, r.err)
    assert.matches("mount namespace /run/nsl/mnt/nx-a", r.out .. r.err, 1, true)
    assert.matches("service log /run/nsl/log/nx-a-s.log", r.out .. r.err, 1, true)
    assert.equal("", T.sh("find /run/nsl/mnt /run/nsl/log -mindepth 1").out)
  end)

  it("works where /run is a shared mount (as systemd makes it), the host seeing none of it", function()
    if not needs() then return end
    local script, dir = T.script([[
      local t <close> = nsl.topology { namespaces = { r1 = { files = { ["/etc/hostname"] = "r1\n" } },
                                                      r2 = { files = { ["/etc/hostname"] = "r2\n" } } } }
      t:up()
      for _, n in ipairs({ "r1", "r2" }) do io.write(t:exec(n, { "cat", "/etc/hostname" }, { capture = true }).stdout) end
      io.stdout:flush()
      os.execute("findmnt -n -o PROPAGATION /run/nsl/mnt; findmnt -n /etc/hostname | wc -l")
    ]])
    finally(function() T.rm(dir) end)
    -- in a mount namespace of its own, so the sandbox's /run stays as it is
    local r = T.sh("unshare --mount --propagation unchanged sh -c " ..
      T.quote("mount --make-rshared /run && " .. T.quote(T.nsl) .. " " .. T.quote(script) ..
        " && test ! -e /run/nsl/mnt && echo gone"))
    assert.equal(0, r.code, r.err)
    assert.equal("r1\nr2\nprivate\n0\ngone\n", r.out)
  end)

  it("removing one topology's node namespaces leaves the others' (a shared /run)", function()
    if not needs() then return end
    local script, dir = T.script([[
      local t1 = nsl.topology { prefix = "m1-", namespaces = { a = { files = { ["/etc/hostname"] = "a\n" } } } }
      local t2 = nsl.topology { prefix = "m2-", namespaces = { b = { files = { ["/etc/hostname"] = "b\n" } } } }
      t1:up()
      t2:up()
      t1:down()
      local function show()
        local ok, r = pcall(t2.exec, t2, "b", { "cat", "/etc/hostname" }, { capture = true })
        io.write(ok and r.stdout or tostring(r), "\n")
        io.stdout:flush()
      end
      show()
      -- a run killed outright, then nsl --clean, while t2 lives
      os.execute(arg[1] .. " " .. arg[2] .. " & pid=$!; " ..
        "while [ ! -e /run/nsl/mnt/m3-c ]; do sleep 0.05; done; sleep 0.2; kill -KILL $pid; wait $pid; " ..
        arg[1] .. " --clean > /dev/null 2>&1")
      show()
      t2:down()
    ]])
    finally(function() T.rm(dir) end)
    T.write(dir .. "/dead.lua", [[
      local t = nsl.topology { prefix = "m3-", namespaces = { c = { files = { ["/etc/hostname"] = "c\n" } } } }
      t:up()
      sleep(30)
    ]])
    local r = T.sh("unshare --mount --propagation unchanged sh -c " ..
      T.quote("mount --make-rshared /run && " .. T.quote(T.nsl) .. " " .. T.quote(script) .. " " ..
        T.quote(T.nsl) .. " " .. T.quote(dir .. "/dead.lua") .. " && test ! -e /run/nsl/mnt && echo gone"))
    assert.equal(0, r.code, r.err)
    assert.equal("b\n\nb\n\ngone\n", r.out)
  end)

  it("binds a node's namespace after other mount namespaces came and went (reused numbers)", function()
    if not needs() then return end
    for i = 1, 30 do
      for _ = 1, i % 5 do nsl.spawn({ "true" }, { unshare = { "mount" } }) end
      local x = nsl.topology { namespaces = { a = { files = { ["/etc/hostname"] = "n" .. i .. "\n" } } } }
      x:up()
      local got = x:exec("a", { "cat", "/etc/hostname" }, { capture = true }).stdout
      x:down()
      assert.equal("n" .. i .. "\n", got)
    end
  end)

  it("a file whose write takes nothing (write returns 0) fails up with one line, never spins", function()
    if not needs() then return end
    local shim = os.getenv("NSL_FAULTSHIM")
    if not shim or not io.open(shim) then pending("the fault shim is not built (make check builds it)") return end
    local script, dir = T.script([[
      local t <close> = nsl.topology { namespaces = { a = { files = { ["/etc/nsl-zero"] = "NSL-WRITE0 x\n" } } } }
      t:up()
    ]])
    finally(function() T.rm(dir); T.run({ "--clean" }) end)
    -- (timeout first: the shim's first process is the one that counts)
    local r = T.sh("timeout -k 2 10 env -u FAULT_OWNER LD_PRELOAD=" .. T.quote(shim) .. " FAULT_WRITE0=NSL-WRITE0 " ..
      "ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 " .. T.quote(T.nsl) .. " " .. T.quote(script))
    assert.equal(1, r.code, r.out .. r.err)
    assert.matches("/etc/nsl-zero: write: Input/output error", r.err, 1, true)
    assert.equal("", T.sh("ls /run/nsl/mnt 2>/dev/null").out)
  end)

  it("refuses bad files and private keys at the user's line", function()
    local cases = {
      { { a = { files = { ["etc/x"] = "y" } } }, "namespace a: files: 'etc/x' is not an absolute path below /" },
      { { a = { files = { ["/etc/x"] = 3 } } }, "file /etc/x: expected its content" },
      { { a = { files = { ["/etc/x"] = { contnet = "y" } } } },
        "unknown key 'contnet' in namespace a: file /etc/x (did you mean 'content'?)" },
      { { a = { files = { ["/etc/x"] = { content = "y", mode = "0999" } } } }, "mode must be octal text" },
      { { a = { files = { ["/etc/x"] = { content = "y", owner = "no-such-user-nsl" } } } },
        "owner 'no-such-user-nsl' is no user of this host" },
      { { a = { private = "/run/x" } }, "namespace a: private must be a list of paths" },
      { { a = { private = { "/run/../x" } } }, "has a '..' part" },
      { { a = { private = { ["/run/x"] = { onwer = "root" } } } },
        "unknown key 'onwer' in namespace a: private /run/x (did you mean 'owner'?)" },
      { { a = { private = { "/run/x" }, files = { ["/run/x"] = "y" } } }, "given twice" },
      { { a = { fils = {} } }, "did you mean 'files'?" },
    }
    for _, c in ipairs(cases) do
      local ok, err = pcall(function() local x = nsl.topology { namespaces = c[1] }; return x end)
      assert.is_false(ok)
      assert.matches(c[2], tostring(err), 1, true)
      assert.matches("^spec/topo_nodes_spec.lua:%d+: topology: ", tostring(err))
    end
  end)
end)

describe("node services #netns", function()
  local t, dir
  after_each(function()
    if t then pcall(t.down, t); t = nil end
    T.rm(dir)
  end)

  it("runs as a user, logs through the launcher, waits for a UNIX socket and a FIFO", function()
    if not needs() then return end
    if T.sh("command -v socat").code ~= 0 then pending("socat is not installed") return end
    dir = T.tmpdir()
    t = nsl.topology { namespaces = { a = { private = { ["/run/s"] = { owner = "nobody", mode = "0755" } } } },
      services = {
        sock = { ns = "a", user = "nobody", log = dir .. "/sock.log", ready = { unix = "/run/s/s.sock" },
                 cmd = { "socat", "UNIX-LISTEN:/run/s/s.sock,fork,unlink-early", "EXEC:cat" } },
        fifo = { ns = "a", cmd = { "sh", "-c", "echo hello; echo oops >&2; mkfifo /run/s/f; exec sleep 30" },
                 ready = { file = "/run/s/f" }, log = dir .. "/fifo.log", env = { X = "1" }, cwd = "/run/s" },
      } }
    t:up()
    assert.equal("nobody\n", (out(t, "a", "ps -o user= -p " .. t:service("sock").pid)))
    assert.equal("hello\noops\n", T.slurp(dir .. "/fifo.log"))
    -- no shell between nsl and the service: the handle's pid is socat's
    assert.equal("socat\n", (out(t, "a", "cat /proc/" .. t:service("sock").pid .. "/comm")))
  end)

  it("opens no log through a symbolic link, nor another user's in a sticky directory, nor a non-file", function()
    if not needs() then return end
    dir = T.tmpdir()
    local d = dir .. "/tmp"
    -- a world-writable sticky directory, as /tmp, where another user
    -- planted a link to root's file and a file of its own
    T.sh("mkdir -m 1777 " .. d .. " && printf secret > " .. dir .. "/victim && ln -s " .. dir ..
      "/victim " .. d .. "/svc.log && printf theirs > " .. d .. "/their.log && chown nobody " .. d ..
      "/their.log && ln " .. dir .. "/victim " .. d .. "/hard.log")
    local cases = {
      { d .. "/svc.log", "service s: start: ns_exec: " .. d .. "/svc.log: refused the log: a symbolic link" },
      { d .. "/their.log", "ns_exec: " .. d .. "/their.log: refused the log: another user's file" },
      { d .. "/hard.log", "ns_exec: " .. d .. "/hard.log: refused the log: another user's file (or one with another link)" },
      { "/dev/null", "ns_exec: /dev/null: refused the log: not a regular file" },
    }
    for _, c in ipairs(cases) do
      local x = nsl.topology { namespaces = { a = {} },
        services = { s = { ns = "a", user = "nobody", log = c[1], cmd = { "echo", "written" } } } }
      local ok, err = pcall(x.up, x)
      pcall(x.down, x)
      assert.is_false(ok)
      assert.matches(c[2], tostring(err), 1, true)
    end
    assert.equal("secret", T.slurp(dir .. "/victim"))
    assert.equal("theirs", T.slurp(d .. "/their.log"))
    -- root's own file there, and a new one, are fine
    T.sh("printf 'old\\n' > " .. d .. "/mine.log")
    for _, f in ipairs({ "mine.log", "new.log" }) do
      t = nsl.topology { namespaces = { a = {} },
        services = { s = { ns = "a", user = "nobody", log = d .. "/" .. f, cmd = { "echo", "written" } } } }
      t:up()
      t:service("s"):wait(5)
      t:down()
      t = nil
    end
    assert.equal("old\nwritten\n", T.slurp(d .. "/mine.log"))
    assert.equal("written\n", T.slurp(d .. "/new.log"))
  end)

  it("stops, starts and restarts a service; restart = always brings it back with a backoff", function()
    if not needs() then return end
    t = nsl.topology { namespaces = { "a" }, services = {
      s = { ns = "a", cmd = { "sleep", "60" }, restart = "always" },
      once = { ns = "a", cmd = { "sh", "-c", "sleep 0.1; exit 0" }, restart = "on-failure" } } }
    t:up()
    local h0 = t:service("s")
    t:stop("s", "KILL")
    assert.is_nil(t:service("s"))
    assert.is_false(h0:running())
    t:supervise(0.3)
    assert.is_nil(t:service("s")) -- stopped by t:stop: not restarted
    t:start("s")
    local h = t:service("s")
    assert.is_true(h:running())
    h:kill("KILL")
    local t0 = nsl.now()
    while t:service("s") == nil or t:service("s").pid == h.pid do
      t:supervise(0.02)
      assert.is_true(nsl.now() - t0 < 3, "not restarted")
    end
    assert.is_true(nsl.now() - t0 >= 0.09) -- the backoff's first step
    assert.equal(1, t.procs.s.restarts)
    local p2 = t:service("s").pid
    t:restart("s")
    assert.are_not.equal(p2, t:service("s").pid)
    -- on-failure: a clean exit is not restarted
    t:supervise(0.4)
    assert.is_false(t:service("once"):running())
    assert.equal(0, t.procs.once.restarts)
  end)

  it("a ready timeout ends with the tail of the service's log", function()
    if not needs() then return end
    dir = T.tmpdir()
    t = nsl.topology { namespaces = { "a" }, services = {
      s = { ns = "a", cmd = { "sh", "-c", "echo cannot bind 10.0.0.1; exec sleep 30" }, log = dir .. "/s.log",
            ready = { function() return false end, timeout = 0.3 } } } }
    local ok, err = pcall(t.up, t)
    assert.is_false(ok)
    assert.matches("not ready after 0.3s; the end of its log:\ncannot bind 10.0.0.1", tostring(err), 1, true)
    t = nil
  end)

  it("refuses bad service keys and method arguments with one clear line", function()
    local cases = {
      { { ns = "a", cmd = "true", restart = "allways" },
        "restart must be \"no\", \"on-failure\" or \"always\", got allways (did you mean 'always'?)" },
      { { ns = "a", cmd = "true", user = "no-such-user-nsl" }, "user 'no-such-user-nsl' is no user of this host" },
      { { ns = "a", cmd = "true", user = {} }, "user must be a name or a number" },
      { { ns = "a", cmd = "true", log = 3 }, "log must be a path or true" },
      { { ns = "a", cmd = "true", env = "X=1" }, "env must be a table" },
      { { ns = "a", cmd = "true", ready = { unix = "rel" } }, "ready.unix must be an absolute path" },
      { { ns = "a", cmd = "true", ready = { unixx = "/x" } }, "did you mean 'unix'?" },
      { { ns = "a", cmd = "true", ready = { 3 } }, "ready[1] must be a function" },
      { { ns = "a", cmd = "true", usr = "root" }, "did you mean 'user'?" },
    }
    for _, c in ipairs(cases) do
      local ok, err = pcall(function()
        local x = nsl.topology { namespaces = { "a" }, services = { s = c[1] } }
        return x
      end)
      assert.is_false(ok)
      assert.matches(c[2], tostring(err), 1, true)
      assert.matches("^spec/topo_nodes_spec.lua:%d+: topology: ", tostring(err))
    end
    local tt = nsl.topology { namespaces = { "a" }, services = { web = { ns = "a", cmd = "true" } } }
    local ok, err = pcall(tt.start, tt, "web")
    assert.is_false(ok)
    assert.matches("start: the topology is down", tostring(err), 1, true)
    err = select(2, pcall(tt.stop, tt, "wbe"))
    assert.matches("no service named 'wbe' (did you mean 'web'?)", tostring(err), 1, true)
    err = select(2, pcall(tt.wait_route, tt, "nope", "default"))
    assert.matches("no node named nope", tostring(err), 1, true)
  end)
end)

describe("ns_exec's mnt, user, group and log options #netns", function()
  it("run as the user, log to the file, and refuse bad input with one line", function()
    if not needs() then return end
    local dir = T.tmpdir()
    finally(function() T.rm(dir); pcall(nsl.ns_del, "nodes-x") end)
    nsl.ns_add("nodes-x")
    local r = nsl.ns_exec("nodes-x", { "id", "-un" }, { user = "nobody", capture = true })
    assert.equal("nobody\n", r.stdout)
    nsl.ns_exec("nodes-x", { "sh", "-c", "echo out; echo err >&2" }, { log = dir .. "/x.log" })
    assert.equal("out\nerr\n", T.slurp(dir .. "/x.log"))
    local cases = {
      { { user = "no-such-user-nsl" }, "ns_exec: no-such-user-nsl: no such user" },
      { { group = "no-such-group-nsl" }, "ns_exec: no-such-group-nsl: no such group" },
      { { user = {} }, "option 'user': string expected, got table" },
      { { log = dir .. "/no/such/dir/x.log" }, "x.log: open the log: No such file or directory" },
      { { log = dir .. "/y.log", capture = true }, "option 'log': the output is captured" },
      { { mnt = dir .. "/none" }, "none: No such file or directory" },
      { { mnt = "/run/netns/nodes-x" }, "ns_exec: /run/netns/nodes-x: setns (mnt): Invalid argument" },	-- another kind
      { { mnt = "/proc/self/ns/net" }, "ns_exec: /proc/self/ns/net: not a namespace file (a symbolic link)" },
      { { uts = dir }, "not a namespace file" },
      { { usr = "root" }, "did you mean 'user'?" },
    }
    for _, c in ipairs(cases) do
      local ok, err = pcall(nsl.ns_exec, "nodes-x", { "true" }, c[1])
      assert.is_false(ok)
      assert.matches(c[2], tostring(err), 1, true)
    end
  end)
end)

describe("ns_exec's user option with many groups #netns", function()
  it("runs with every group of a user in more than 64", function()
    if not needs() then return end
    if T.sh("findmnt -n -o FSTYPE /etc").out ~= "overlay\n" then
      pending("the sandbox's /etc is no overlay here: /etc/group is not written") return
    end
    local group = T.slurp("/etc/group")
    finally(function() T.write("/etc/group", group); pcall(nsl.ns_del, "nodes-g") end)
    local lines = {}
    for i = 1, 100 do lines[i] = ("nslg%d:x:%d:nobody\n"):format(i, 64000 + i) end
    T.write("/etc/group", group .. table.concat(lines))
    nsl.ns_add("nodes-g")
    local r = nsl.ns_exec("nodes-g", { "id", "-G" }, { user = "nobody", capture = true })
    local n, has = 0, {}
    for g in r.stdout:gmatch("%d+") do n = n + 1; has[tonumber(g)] = true end
    assert.is_true(n > 100, r.stdout)
    assert.is_true(has[64001] and has[64100], r.stdout)
  end)
end)

describe("t:wait_route #netns", function()
  local t
  after_each(function() if t then pcall(t.down, t); t = nil end end)

  it("waits for a route of a protocol, and names what it saw on a timeout", function()
    if not needs() then return end
    t = nsl.topology { namespaces = { "a", "b" }, links = { { "a", "b", subnet = "10.9.0.0/30" } } }
    t:up()
    assert.equal("kernel", tostring(t:wait_route("a", "10.9.0.0/30").protocol))
    local ok, err = pcall(t.wait_route, t, "a", "10.9.0.0/30", { protocol = "static", timeout = 0.1 })
    assert.is_false(ok)
    assert.matches("a has no route to 10.9.0.0/30 of protocol static after 0.1s (it has one of protocol kernel)",
      tostring(err), 1, true)
    t:exec("a", { "sh", "-c", "sleep 0.2; ip route add 10.7.0.0/24 via 10.9.0.2 proto static" }, { background = true })
    assert.equal("10.7.0.0/24", t:wait_route("a", "10.7.0.0/24", { protocol = "static", timeout = 5 }).dst)
    err = select(2, pcall(t.wait_route, t, "a", "default", { protcol = "x" }))
    assert.matches("unknown option 'protcol' (did you mean 'protocol'?)", tostring(err), 1, true)
    err = select(2, pcall(t.wait_route, t, "a", "10.0.0.300/8"))
    assert.matches("bad destination", tostring(err), 1, true)
  end)
end)
