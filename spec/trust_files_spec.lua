-- Trust in the run directory: its files are read, never believed (forged
-- lab files and records, at random too), and a full one makes a primitive
-- fail naming why, leaving nothing --clean does not know (the rest of the
-- trust specs are spec/trust_spec.lua's).
local T = require "spec.support.util"
local core = require "nsl.core"
local TR = require "spec.support.trust"
local ip_netns, leftovers, scrub = TR.ip_netns, TR.leftovers, TR.scrub

-- Files under the run directory are read, never believed: any
-- user who can write there (a rootless world's is its user's) or a run
-- killed while writing may have left anything.  Each forged file gives
-- one line naming it and is skipped; nothing hangs, nothing traces back,
-- and no record makes --clean touch what its run did not make.
describe("forged files of the run directory #netns #trust", function()
  local dir
  before_each(function() if T.sandboxed() then dir = T.tmpdir() end end)
  after_each(function()
    if not dir then return end
    T.rm(dir)
    dir = nil
    T.sh("ip netns del tr-other")
    scrub()
  end)

  -- nsl with the run directory dir, stopped after 10 s (a hang is 124).
  local function nsl_in(args)
    local q = {}
    for i, a in ipairs(args) do q[i] = T.quote(a) end
    return T.sh("NSL_RUN_DIR=" .. T.quote(dir) .. " timeout 10 " .. T.quote(T.nsl) .. " " .. table.concat(q, " "))
  end

  -- A live process (the marker sleep): its pid and start time.
  local function live()
    local pid = assert(math.tointeger(tonumber(T.sh("sleep 78.3 >/dev/null 2>&1 & echo $!").out)))
    return pid, core._proc_stat(pid).start
  end

  local function lab(id, text) T.write(dir .. "/" .. id .. ".lab.json", text) end

  it("a record line '+ns NAME OTHER' never makes --clean unmount another's /run/netns/OTHER", function()
    if not T.need_sandbox() then return end
    assert.equal(0, T.sh("ip netns add tr-other").code)
    T.write(dir .. "/999990-5", "+ns\ttr-x\ttr-other\n+uts\t/etc/hostname\t/etc/.nsl-999990-5-1\n")
    local r = nsl_in({ "--clean" })
    local st = core._stat("/run/netns/tr-other")
    assert.is_truthy(st, "/run/netns/tr-other was removed")
    assert.is_true(st.nsfs, "/run/netns/tr-other was unmounted")
    assert.same({ "tr-other" }, ip_netns())
    assert.equal(1, r.code)
    assert.equal("nsl: --clean: could not remove everything: " .. dir .. "/999990-5: +uts /etc/hostname: " ..
      "UTS file /etc/hostname is not under " .. dir .. "/uts/\n", r.err)
  end)

  it("--clean and ls read forged records (FIFO, pids 1.5 or of 20 digits) without a hang or a traceback", function()
    if not T.need_sandbox() then return end
    T.write(dir .. "/999991-5", "+proc\t1.5\t7\n+link\ttr-l9\t\t1e300\t1:1\n")
    T.write(dir .. "/99999999999999999999-5", "+ns\ttr-y\t\n")
    assert.equal(0, T.sh("mkfifo " .. T.quote(dir .. "/999992-5")).code)
    local r = nsl_in({ "ls" })
    assert.equal(0, r.code, r.err)
    assert.equal(2, select(2, r.err:gsub("\n", "")), r.err)
    assert.matches("nsl: ls: " .. dir .. "/99999999999999999999-5: no run of nsl: its pid or start time is " ..
      "out of range (skipped)\n", r.err, 1, true)
    assert.matches("nsl: ls: " .. dir .. "/999992-5: not a regular file (a FIFO) (skipped)\n", r.err, 1, true)
    assert.matches("999991-5  proc 1.5, link tr-l9", r.out, 1, true)
    r = nsl_in({ "--clean" })
    assert.equal(1, r.code)
    local lines = select(2, r.err:gsub("\n", ""))
    assert.equal(1, lines, r.err)
    assert.matches("^nsl: %-%-clean: could not remove everything: ", r.err)
    assert.matches(dir .. "/999991-5: +proc 1.5: pid and start time must be plain integers", r.err, 1, true)
    assert.matches(dir .. "/999991-5: +link tr-l9: ifindex must be a plain integer", r.err, 1, true)
    assert.matches(dir .. "/99999999999999999999-5: no run of nsl", r.err, 1, true)
    assert.matches(dir .. "/999992-5: not a regular file (a FIFO) (left alone)", r.err, 1, true)
    -- what could not be judged stays, for a human to look at
    assert.equal("+proc\t1.5\t7\n+link\ttr-l9\t\t1e300\t1:1\n", T.slurp(dir .. "/999991-5"))
  end)

  it("ls, show and exec skip forged lab files with one line each, never hang or trace back", function()
    if not T.need_sandbox() then return end
    local pid, start = live()
    local pid2, start2 = live()
    local id, id2 = pid .. "-" .. start, pid2 .. "-" .. start2
    -- a name with a terminal escape sequence is shown, never sent to the terminal
    lab(id, require("nsl.json").encode({ run = id, pid = pid, start = start, script = "good\27[2J.lua",
      topologies = { { prefix = "tr-g-", namespaces = { { name = "a", real = "tr-g-a" } } } } }))
    lab(id2, string.format('{"run":"%s","pid":%d,"start":%d,"topologies":[{"prefix":"x",' ..
      '"namespaces":[{"name":"b","real":42}]}]}', id2, pid2, start2))
    lab("1-1", '{"run":"1-1","pid":1e300,"start":1}')
    lab("2-2", '{"run":"2-2","pid":1.5,"start":2}')
    lab("3-3", '{"run":"3-3","pid":12345678901234567890,"start":3}')
    lab("4-4", '{"run":"4-4","pid":4,"start":4,"topologies":"many"}')
    assert.equal(0, T.sh("mkfifo " .. T.quote(dir .. "/5-5.lab.json")).code)
    assert.equal(0, T.sh("ln -s " .. T.quote(dir .. "/" .. id .. ".lab.json") .. " " .. T.quote(dir .. "/6-6.lab.json")).code)
    local want = {
      [id2] = "topologies[1].namespaces[1].real must be a string, got number",
      ["1-1"] = "pid 1e+300 is not a pid", ["2-2"] = "pid 1.5 is not a pid",
      ["3-3"] = "not JSON: too big integer", ["4-4"] = "topologies must be an array, got string",
      ["5-5"] = "not a regular file (a FIFO)", ["6-6"] = "a symbolic link",
    }
    for _, cmd in ipairs({ { "ls" }, { "ls", "--json" }, { "show" }, { "exec", "b", "--", "true" } }) do
      local r = nsl_in(cmd)
      local what = table.concat(cmd, " ")
      assert.not_equal(124, r.code, what .. " hung")
      assert.not_matches("traceback", r.err)
      local n = 0
      for _ in r.err:gmatch("%(skipped%)\n") do n = n + 1 end
      assert.equal(7, n, what .. ":\n" .. r.err)
      for run, why in pairs(want) do
        assert.matches("nsl: " .. cmd[1] .. ": " .. dir .. "/" .. run .. ".lab.json: " .. why, r.err, 1, true)
      end
      if cmd[1] == "exec" then
        assert.equal(1, r.code)
        local last = "\nnsl: exec: b: no such node in a live topology (nsl ls lists them)\n"
        assert.equal(last, r.err:sub(-#last))
      else
        assert.equal(0, r.code, what .. ": " .. r.err)
      end
    end
    local r = nsl_in({ "ls" })
    assert.matches("run " .. id .. "  pid " .. pid .. "  good\\027[2J.lua", r.out, 1, true)
    assert.is_nil(r.out:find("\27", 1, true))
    assert.matches("tr-g-a", r.out, 1, true)
    assert.equal(1, #require("nsl.json").decode(nsl_in({ "ls", "--json" }).out).runs)
  end)

  it("nsl exec joins only nsl's UTS and mount namespace files: a forged path, FIFO or link is one line, no hang", function()
    if not T.need_sandbox() then return end
    assert.equal(0, T.sh("ip netns add tr-other").code)
    local pid, start = live()
    local id = pid .. "-" .. start
    local function forge(field, path)
      lab(id, require("nsl.json").encode({ run = id, pid = pid, start = start,
        topologies = { { prefix = "tr-j-", namespaces = { { name = "a", real = "tr-other", [field] = path } } } } }))
    end
    assert.equal(0, T.sh("mkfifo " .. T.quote(dir .. "/ff")).code)
    T.sh("mkdir -p " .. T.quote(dir .. "/mnt") .. " " .. T.quote(dir .. "/uts"))
    -- outside the run directory's uts/ and mnt/: the lab file is not believed
    for _, case in ipairs({ { "mnt", dir .. "/ff" }, { "uts", "/run/netns/tr-other" }, { "mnt", dir .. "/mnt/../ff" } }) do
      forge(case[1], case[2])
      local r = nsl_in({ "exec", "a", "--", "true" })
      assert.equal(1, r.code, r.err)
      local what = case[1] == "uts" and "UTS file " or "mount namespace file "
      assert.equal("nsl: exec: " .. dir .. "/" .. id .. ".lab.json: topologies[1].namespaces[1]." .. case[1] ..
        ": " .. what .. case[2] .. " is not under " .. dir .. "/" .. case[1] .. "/ (skipped)\n" ..
        "nsl: exec: a: no such node in a live topology (nsl ls lists them)\n", r.err)
    end
    -- where nsl's would be, but not a namespace file: a FIFO, a link to one, a plain file
    assert.equal(0, T.sh("mkfifo " .. T.quote(dir .. "/mnt/a") .. " && ln -s /proc/self/ns/uts " ..
      T.quote(dir .. "/uts/a") .. " && touch " .. T.quote(dir .. "/uts/b")).code)
    for _, case in ipairs({ { "mnt", dir .. "/mnt/a" }, { "uts", dir .. "/uts/a", " (a symbolic link)" },
      { "uts", dir .. "/uts/b" } }) do
      forge(case[1], case[2])
      local r = nsl_in({ "exec", "a", "--", "true" })
      assert.equal(1, r.code, r.err)
      assert.equal("nsl: exec: a: ns_exec: " .. case[2] .. ": not a namespace file" .. (case[3] or "") .. "\n", r.err)
    end
  end)

  it("nsl exec racing a down (its namespace gone since the lab file): one line, no traceback", function()
    if not T.need_sandbox() then return end
    local pid, start = live()
    local id = pid .. "-" .. start
    lab(id, require("nsl.json").encode({ run = id, pid = pid, start = start,
      topologies = { { prefix = "tr-r-", namespaces = { { name = "a", real = "tr-r-a" } } } } }))
    local r = nsl_in({ "exec", "a", "--", "true" })
    assert.equal(1, r.code)
    assert.matches("^nsl: exec: a: ns_exec: tr%-r%-a: [^\n]+\n$", r.err)
  end)
end)

-- Random forged run directories (not in make check: --tags=soak): lab
-- files with values of every wrong type, FIFOs, links, records of random
-- lines.  ls, show, exec and --clean always end, in one line per problem.
describe("forged run directories at random #soak #trust", function()
  it("nsl ls, ls --json, show, exec and --clean never hang nor trace back", function()
    if not T.need_sandbox() then return end
    local vals = { "1", "1.5", "1e300", "-1", "0", "99999999999999999999", '"x"', "null", "true", "[]", "{}",
      '"\\u001b[2J"', "2147483648" }
    local strs = { "a", "", ".", "..", "../x", "/etc/hostname", "1.5", "1e300", "99999999999999999999", "\27[2J",
      ".nsl-1-1-1", "-1", "0x10" }
    local kinds = { "ns", "link", "uts", "proc", "nft", "neigh", "rule", "fdb", "vlan", "sysctl", "all", "zz" }
    local function pick(t) return t[math.random(#t)] end
    local pid = assert(math.tointeger(tonumber(T.sh("sleep 78.4 >/dev/null 2>&1 & echo $!").out)))
    local live = pid .. "-" .. core._proc_stat(pid).start
    finally(function() T.sh("pkill -KILL -f 'sleep 78[.]4'") end)
    local rounds, runs = tonumber(os.getenv("NSL_FORGE_ROUNDS")) or 40, 0
    for _ = 1, rounds do
      local dir = T.tmpdir()
      for _ = 1, math.random(1, 6) do
        local id = math.random(2) == 1 and live or (math.random(1, 999999) .. "-" .. math.random(1, 99))
        local lab, r = dir .. "/" .. id .. ".lab.json", math.random(5)
        os.remove(lab)
        if r == 1 then T.sh("mkfifo " .. lab)
        elseif r == 2 then T.sh("ln -s /etc/passwd " .. lab)
        elseif r == 3 then
          T.write(lab, string.format('{"run":"%s","pid":%s,"start":%s,"topologies":[{"prefix":%s,' ..
            '"namespaces":[{"name":%s,"real":%s,"uts":%s}],"links":%s,"services":[{"name":"s","ns":"a","pid":%s}]}]}',
            id, math.random(2) == 1 and id:match("^%d+") or pick(vals), math.random(2) == 1 and id:match("%d+$") or
            pick(vals), pick(vals), pick(vals), pick(vals), pick(vals), pick(vals), pick(vals)))
        else
          local lines = {}
          for i = 1, math.random(1, 8) do
            local l = { pick({ "+", "=", "-" }) .. pick(kinds) }
            for j = 1, math.random(0, 7) do l[j + 1] = pick(strs) end
            lines[i] = table.concat(l, "\t")
          end
          T.write(dir .. "/999" .. math.random(100, 999) .. "-" .. math.random(1, 99), table.concat(lines, "\n") .. "\n")
        end
      end
      for _, cmd in ipairs({ "ls", "ls --json", "show", "exec a -- true", "--clean" }) do
        local r = T.sh("NSL_RUN_DIR=" .. dir .. " timeout 10 " .. T.quote(T.nsl) .. " " .. cmd)
        runs = runs + 1
        assert(r.code == 0 or r.code == 1, cmd .. " in " .. dir .. ": status " .. r.code .. "\n" .. r.err)
        assert.not_matches("traceback", r.err)
        assert.not_matches("Sanitizer", r.err)
      end
      T.rm(dir)
    end
    assert.equal(rounds * 5, runs)
  end)
end)

-- A small tmpfs as the records' directory (NSL_RUN_DIR of the runs these
-- specs start), so that it fills up; removed by the returned function.
local function small_run_dir(kb)
  local dir = "/run/nsl-full"
  local r = T.sh("mkdir -p " .. dir .. " && mount -t tmpfs -o size=" .. kb .. "k nsl-full " .. dir)
  assert.equal(0, r.code, r.err)
  return dir, function() T.sh("umount " .. dir .. "; rmdir " .. dir) end
end

describe("a full run directory #netns #trust", function()
  after_each(scrub)

  it("a primitive that cannot keep its record fails, naming why, and leaves nothing --clean does not know", function()
    if not T.need_sandbox() then return end
    local dir, unmount = small_run_dir(8)
    local script, sdir = T.script([[
      local err
      for i = 1, 200 do
        local ok, e = pcall(function()
          ns_add("tr-f" .. i)
          veth_add("tr-fa" .. i, "tr-fb" .. i, { peer_ns = "tr-f" .. i })
          veth_add("tr-fc" .. i, "tr-fe" .. i)
        end)
        if not ok then err = e break end
      end
      print(tostring(err)); io.stdout:flush()
      sleep(30)
    ]])
    finally(function() T.rm(sdir); T.run({ "--clean" }, { env = { NSL_RUN_DIR = dir } }); unmount() end)
    local r = T.sh("NSL_RUN_DIR=" .. dir .. " " .. T.quote(T.nsl) .. " " .. T.quote(script) .. " >" .. sdir ..
      "/out & pid=$!; for i in $(seq 600); do [ -s " .. sdir .. "/out ] && break; sleep 0.05; done; " ..
      "kill -KILL $pid; wait $pid")
    assert.equal(137, r.code)
    local said = T.slurp(sdir .. "/out")
    assert.matches("^%w+_add: tr%-f%w+: cannot keep the run's record in /run/nsl%-full: No space left on device\n", said)
    r = T.run({ "--clean" }, { env = { NSL_RUN_DIR = dir } })
    assert.equal(0, r.code, r.err)
    assert.same({}, leftovers())
    assert.equal("", T.sh("ls -A " .. dir).out, "no record stays")
  end)

  it("a lab file is written whole or not at all: the good one stays when the directory is full", function()
    if not T.need_sandbox() then return end
    local dir, unmount = small_run_dir(64)
    local script, sdir = T.script([[
      local a <close> = nsl.topology { prefix = "tr-la", namespaces = { "x" } }:up()
      local b = nsl.topology { prefix = "tr-lb", namespaces = { "y" } }:up()
      print("up"); io.stdout:flush()
      io.read("l")
      b:down()
      print("down"); io.stdout:flush()
      io.read("l")
    ]])
    finally(function() T.rm(sdir); T.run({ "--clean" }, { env = { NSL_RUN_DIR = dir } }); unmount() end)
    local r = T.sh("trap '' PIPE; mkfifo " .. sdir .. "/in; NSL_RUN_DIR=" .. dir .. " " .. T.quote(T.nsl) .. " " ..
      T.quote(script) .. " <" .. sdir .. "/in >" .. sdir .. "/out 2>" .. sdir .. "/err & pid=$!; exec 4>" ..
      sdir .. "/in; for i in $(seq 400); do grep -qs up " .. sdir .. "/out && break; sleep 0.05; done; " ..
      "cp " .. dir .. "/*.lab.json " .. sdir .. "/good; " ..
      "dd if=/dev/zero of=" .. dir .. "/fill bs=1k 2>/dev/null; echo >&4; " ..
      "for i in $(seq 400); do grep -qs down " .. sdir .. "/out && break; sleep 0.05; done; " ..
      "cat " .. dir .. "/*.lab.json >" .. sdir .. "/after; ls -A " .. dir .. " >" .. sdir .. "/ls; " ..
      "rm " .. dir .. "/fill; echo >&4; wait $pid")
    assert.equal(0, r.code, r.err .. T.slurp(sdir .. "/err"))
    local good = T.slurp(sdir .. "/good")
    assert.matches('"tr%-lb"', good)
    assert.equal(good, T.slurp(sdir .. "/after"), "the good lab file stays, whole")
    assert.not_matches("%.tmp", T.slurp(sdir .. "/ls"), "no half-written file stays beside it")
    assert.equal("", T.sh("ls -A " .. dir).out, "the run's end took its record and lab file")
    assert.same({}, leftovers())
  end)
end)
