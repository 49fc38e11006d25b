-- nsl's subcommands (ls, show, exec, dot) and the lab files behind them,
-- from a second process while a topology is up and after its run ended.
local T = require "spec.support.util"

local LAB = [[
local t <close> = nsl.topology {
  prefix = "lab-",
  namespaces = { a = { hostname = "alpha" }, "b" },
  links = { { "a", "b", address = { a = { "10.77.0.1/24", "fd77::1/64" }, b = { "10.77.0.2/24", "fd77::2/64" } } } },
}
t:up()
io.open(arg[1], "w"):close()   -- tells the spec it is up
sleep(60)
]]

describe("nsl subcommands #cli", function()
  it("are not subcommands when a file of that name exists", function()
    local dir = T.tmpdir()
    finally(function() T.rm(dir) end)
    T.write(dir .. "/ls", "print('the script named ls')")
    local r = T.sh("cd " .. T.quote(dir) .. " && " .. T.quote(T.nsl) .. " ls")
    assert.equal("the script named ls\n", r.out)
  end)

  it("nsl dot draws a script's topologies without running anything, no root needed", function()
    local path, dir = T.script([[
      ns_add("never")                      -- a no-op under nsl dot
      local t = nsl.topology { prefix = "", namespaces = { "x", "y" }, links = { { "x", "y" } } }
      t:up()
      print("the script's output goes to stderr")
      t:exec("x", { "false" })
    ]])
    finally(function() T.rm(dir) end)
    -- setpriv drops every capability: what dot does needs none
    T.sh("chmod 755 " .. T.quote(dir))
    local r = T.sh("setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all " ..
      T.quote(T.nsl) .. " dot " .. T.quote(path))
    assert.equal(0, r.code, r.err)
    assert.matches('^graph "nsl ', r.out)
    assert.truthy(r.out:find('"x:eth0" -- "y:eth0"', 1, true), r.out)
    assert.truthy(r.err:find("the script's output goes to stderr", 1, true))
    assert.is_false(T.sh("ip netns list").out:find("never", 1, true) ~= nil)
    -- -o file.svg renders with graphviz, file.dot writes the text
    local svg = dir .. "/t.svg"
    r = T.run({ "dot", path, "-o", svg })
    assert.equal(0, r.code, r.err)
    assert.matches("<svg", T.slurp(svg))
    r = T.run({ "dot", path, "-o", dir .. "/t.dot" })
    assert.equal(0, r.code, r.err)
    assert.matches('^graph "nsl ', T.slurp(dir .. "/t.dot"))
  end)

  it("nsl dot draws the examples that build topologies, and several topologies as one graph", function()
    for _, ex in ipairs({ "examples/s2_nginx.lua", "examples/s5_bridge.lua" }) do
      local r = T.run({ "dot", ex })
      assert.equal(0, r.code, r.err)
      assert.matches('^graph "nsl ', r.out)
      assert.equal(0, T.sh("dot -Tsvg >/dev/null", { stdin = r.out }).code, ex)
    end
    local path, dir = T.script([[
      local a = nsl.topology { namespaces = { "x", "y" }, links = { { "x", "y" } } }
      local b = nsl.topology { namespaces = { "x", "y" }, links = { { "x", "y" } } }
      a:up() b:up()
      local h <close> = spawn({ "sleep", "1" }, { background = true })   -- a handle, closable
    ]])
    finally(function() T.rm(dir) end)
    local r = T.run({ "dot", path })
    assert.equal(0, r.code, r.err)
    assert.equal("", r.err)
    assert.truthy(r.out:find('"1/x:eth0" -- "1/y:eth0"', 1, true), r.out)
    assert.truthy(r.out:find('"2/x:eth0" -- "2/y:eth0"', 1, true), r.out)
    assert.equal(0, T.sh("dot -Tsvg >/dev/null", { stdin = r.out }).code)
  end)

  it("nsl dot on a script without a topology says so", function()
    local path, dir = T.script("print(1)")
    finally(function() T.rm(dir) end)
    local r = T.run({ "dot", path })
    assert.equal(1, r.code)
    assert.matches("describes no topology", r.err)
  end)

  describe("with a live topology in another process #netns", function()
    local dir, pid

    local function start()
      local path
      path, dir = T.script(LAB)
      local up = dir .. "/up"
      pid = T.sh("(" .. T.quote(T.nsl) .. " " .. T.quote(path) .. " " .. T.quote(up) ..
        " >" .. dir .. "/out 2>&1 & echo $!)").out:match("%d+")
      for _ = 1, 200 do
        if T.slurp(up) ~= "" or io.open(up) then break end
        T.sh("sleep 0.05")
      end
      assert.truthy(io.open(up), "the lab did not come up: " .. T.slurp(dir .. "/out"))
    end

    after_each(function()
      if pid then T.sh("kill -TERM " .. pid .. "; while kill -0 " .. pid .. " 2>/dev/null; do sleep 0.05; done") end
      pid = nil
      T.rm(dir)
    end)

    it("ls lists the run, its topology and nodes; --json as JSON; gone after the run", function()
      if not T.need_sandbox() then return end
      start()
      local r = T.run({ "ls" })
      assert.equal(0, r.code, r.err)
      assert.truthy(r.out:find("pid " .. pid, 1, true), r.out)
      assert.matches("topology lab%-", r.out)
      assert.matches("\n%s+a%s+lab%-a%s+alpha%s+10%.77%.0%.1/24 fd77::1/64\n", r.out)
      r = T.run({ "ls", "--json" })
      local doc = require("nsl.json").decode(r.out)
      assert.equal(1, #doc.runs)
      assert.equal(tonumber(pid), doc.runs[1].pid)
      local top = doc.runs[1].topologies[1]
      assert.equal("lab-", top.prefix)
      assert.equal("lab-a", top.namespaces[1].real)
      assert.equal("alpha", top.namespaces[1].hostname)
      assert.same({ "10.77.0.1/24", "fd77::1/64" }, top.namespaces[1].interfaces[1].addresses)
      -- the run ends: its lab file goes with its topology
      T.sh("kill -TERM " .. pid .. "; while kill -0 " .. pid .. " 2>/dev/null; do sleep 0.05; done")
      pid = nil
      r = T.run({ "ls", "--json" })
      doc = require("nsl.json").decode(r.out)
      assert.same({}, doc.runs)
      assert.equal("no live nsl runs with topologies\n", T.run({ "ls" }).out)
    end)

    it("show prints the live state; --json decodes to it", function()
      if not T.need_sandbox() then return end
      start()
      local r = T.run({ "show", "a" })
      assert.equal(0, r.code, r.err)
      assert.matches("namespace a %(lab%-a%), hostname alpha", r.out)
      assert.matches("eth0%s+veth%s+eth0@b ", r.out)  -- the peer by the topology's name
      assert.truthy(r.out:find("10.77.0.1/24", 1, true), r.out)
      r = T.run({ "show", "--json" })
      local states = require("nsl.json").decode(r.out)
      assert.equal(1, #states)
      assert.equal("up", states[1].state)
      local names = {}
      for _, l in ipairs(states[1].namespaces[2].links) do names[#names + 1] = l.name end
      table.sort(names)
      assert.same({ "eth0", "lo" }, names)
    end)

    it("exec runs a command in a node, with its hostname, and passes on its status", function()
      if not T.need_sandbox() then return end
      start()
      local r = T.run({ "exec", "a", "--", "sh", "-c", "hostname; ip -o -4 addr show eth0; exit 3" })
      assert.equal(3, r.code, r.err)
      assert.matches("^alpha\n", r.out)
      assert.truthy(r.out:find("10.77.0.1/24", 1, true), r.out)
      r = T.run({ "exec", "--run", "nope", "a", "--", "true" })
      assert.equal(1, r.code)
      assert.matches("no such node", r.err)
      -- RUN/NODE form, and a shell when no command is given
      local id = require("nsl.json").decode(T.run({ "ls", "--json" }).out).runs[1].run
      r = T.run({ "exec", id .. "/b" }, { stdin = "ip -o -4 addr show eth0\n" })
      assert.equal(0, r.code, r.err)
      assert.truthy(r.out:find("10.77.0.2/24", 1, true), r.out)
    end)

    it("exec takes the words after NODE as the command, its options included, without --", function()
      if not T.need_sandbox() then return end
      start()
      local r = T.run({ "exec", "a", "ip", "-o", "-6", "addr", "show", "dev", "eth0", "scope", "global" })
      assert.equal(0, r.code, r.err)
      assert.truthy(r.out:find("fd77::1/64", 1, true), r.out)
      -- -w and --run after NODE are the command's (grep -w), not nsl's
      r = T.run({ "exec", "a", "sh", "-c", "echo alpha beta | grep -w -c alpha" })
      assert.equal("1\n", r.out, r.err)
      r = T.run({ "exec", "a", "echo", "--run", "x", "--" })
      assert.equal("--run x --\n", r.out, r.err)
      r = T.run({ "exec", "a", "--", "echo", "-n", "hi" })
      assert.equal("hi", r.out, r.err)
      r = T.run({ "exec", "--bogus", "a", "true" })
      assert.equal(1, r.code)
      assert.equal("nsl: exec: unknown option '--bogus' (see nsl --help)\n", r.err)
    end)

    it("show RUN NODE shows that node alone", function()
      if not T.need_sandbox() then return end
      start()
      local id = require("nsl.json").decode(T.run({ "ls", "--json" }).out).runs[1].run
      local r = T.run({ "show", id, "b" })
      assert.equal(0, r.code, r.err)
      assert.matches("namespace b %(lab%-b%)", r.out)
      assert.not_matches("namespace a", r.out)
      assert.truthy(r.out:find("fd77::2/64", 1, true), r.out)
      r = T.run({ "show", "--json", id, "a" })
      local states = require("nsl.json").decode(r.out)
      assert.equal(1, #states[1].namespaces)
      assert.equal("a", states[1].namespaces[1].name)
      r = T.run({ "show", id, "bb" })
      assert.equal(1, r.code)
      assert.matches("^nsl: show: bb: no such node in a live topology of run " .. id:gsub("%p", "%%%0"), r.err)
      r = T.run({ "show", id, "a", "b" })
      assert.equal("nsl: show: too many words: usage: nsl show [--json] [NODE | RUN [NODE]]\n", r.err)
    end)

    it("exec gives an interactive shell on a terminal; Ctrl-C is the command's, not nsl's", function()
      if not T.need_sandbox() then return end
      start()
      local term = T.terminal(T.quote(T.nsl) .. " exec a; echo exit status $?",
        { env = { SHELL = "/bin/sh", PS1 = "in-a$ ", TERM = "xterm" } })
      finally(function() term:close() end)
      term:wait_for("in-a$ ", 5, true)
      term:line("hostname")
      term:wait_for("\nalpha\n", 5, true)
      term:line("sleep 30; echo after-sleep")
      T.sh("sleep 0.3")
      term:key("C-c")
      term:wait_for("^C\nin-a$", 5, true)
      term:line("exit 4")
      term:wait_for("exit status 4", 5, true)
    end)

    it("exec after the run ended says there is no such node", function()
      if not T.need_sandbox() then return end
      start()
      T.sh("kill -TERM " .. pid .. "; while kill -0 " .. pid .. " 2>/dev/null; do sleep 0.05; done")
      pid = nil
      local r = T.run({ "exec", "a", "--", "true" })
      assert.equal(1, r.code)
      assert.matches("nsl: exec: a: no such node in a live topology", r.err)
    end)

    it("ls shows a killed run's leftovers; --clean removes them, then has nothing to clean", function()
      if not T.need_sandbox() then return end
      start()
      T.sh("kill -KILL " .. pid .. "; while kill -0 " .. pid .. " 2>/dev/null; do sleep 0.05; done")
      pid = nil
      local r = T.run({ "ls" })
      assert.matches("dead runs with leftovers", r.out)
      assert.truthy(r.out:find("lab-a", 1, true), r.out)
      r = T.run({ "--clean" })
      assert.equal(0, r.code, r.err)
      assert.matches("removed namespace lab%-a", r.out)
      r = T.run({ "--clean" })
      assert.equal("nothing to clean\n", r.out)
      assert.equal("no live nsl runs with topologies\n", T.run({ "ls" }).out)
    end)
  end)
end)
