-- The command line: nsl behaves like lua(1).
local T = require "spec.support.util"

describe("the nsl command line #cli", function()
  local dirs = {}
  local function script(text)
    local path, dir = T.script(text)
    dirs[#dirs + 1] = dir
    return path
  end
  after_each(function()
    for _, d in ipairs(dirs) do T.rm(d) end
    dirs = {}
  end)

  it("prints its version and Lua's with -v", function()
    local r = T.run({ "-v" })
    assert.equal(0, r.code)
    assert.matches("^nsl %d+%.%d+%.%d+ %(Lua 5%.4%.%d+%)", r.out)
  end)

  it("passes script arguments in arg and as ...", function()
    local path = script([[
      print(arg[0], arg[1], arg[2], #arg, select("#", ...), ...)
      print(arg[-1])
    ]])
    local r = T.run({ path, "a", "b c" })
    assert.equal(0, r.code)
    assert.equal(path .. "\ta\tb c\t2\t2\ta\tb c\n" .. T.nsl .. "\n", r.out)
  end)

  it("puts the options before the script at negative indices of arg", function()
    local path = script("print(arg[-3], arg[-2], arg[-1], arg[0])")
    local r = T.run({ "-e", "x=1", path })
    assert.equal(T.nsl .. "\t-e\tx=1\t" .. path .. "\n", r.out)
  end)

  it("runs -e statements in order, before the script", function()
    local path = script("print(x)")
    local r = T.run({ "-e", "x = 1", "-e", "x = x + 1", path })
    assert.equal("2\n", r.out)
  end)

  it("requires a library into a global with -l mod and -l g=mod", function()
    local r = T.run({ "-l", "nsl.pretty", "-l", "pp=nsl.pretty",
      "-e", "print(type(nsl), pp == package.loaded['nsl.pretty'])" })
    assert.equal(0, r.code, r.err)
    assert.equal("table\ttrue\n", r.out)
  end)

  it("runs stdin with -", function()
    local r = T.run({ "-", "x", "y" }, { stdin = "print('stdin', ...)" })
    assert.equal("stdin\tx\ty\n", r.out)
  end)

  it("runs stdin when it is not a terminal and no script is given", function()
    local r = T.run({}, { stdin = "print(6 * 7)" })
    assert.equal(0, r.code)
    assert.equal("42\n", r.out)
  end)

  it("stops handling options at --", function()
    local dir = T.tmpdir()
    dirs[#dirs + 1] = dir
    T.write(dir .. "/-v", "print('the script named -v')")
    local r = T.sh("cd " .. T.quote(dir) .. " && " .. T.quote(T.nsl) .. " -- -v")
    assert.equal("the script named -v\n", r.out)
  end)

  it("enters the REPL after the script with -i", function()
    local path = script("x = 41")
    local r = T.run({ "-i", path }, { stdin = "x + 1\n" })
    assert.equal(0, r.code, r.err)
    assert.matches("^nsl [^\n]*\nnsl> 42\nnsl> \n$", r.out)
  end)

  it("prints its options with --help, exit 0", function()
    local r = T.run({ "--help" })
    assert.equal(0, r.code)
    assert.matches("^usage: nsl %[options%] %[script %[args%]%]\n", r.out)
    assert.matches("\n  %-%-clean ", r.out)
  end)

  it("turns warnings on with -W", function()
    assert.equal("", T.run({ "-e", "warn('quiet')" }).err)
    assert.equal("Lua warning: loud\n", T.run({ "-W", "-e", "warn('loud')" }).err)
  end)

  it("runs LUA_INIT first, and ignores it with -E", function()
    local env = { LUA_INIT = "x = 'from init'" }
    assert.equal("from init\n", T.run({ "-e", "print(x)" }, { env = env }).out)
    assert.equal("nil\n", T.run({ "-E", "-e", "print(x)" }, { env = env }).out)
  end)

  describe("on bad input", function()
    it("names a script that does not exist, exit 1", function()
      local r = T.run({ "/nonexistent/script.lua" })
      assert.equal(1, r.code)
      assert.equal("nsl: cannot open /nonexistent/script.lua: No such file or directory\n", r.err)
    end)

    it("reports a script that does not compile in one line, exit 1", function()
      local path = script("local x = = 1")
      local r = T.run({ path })
      assert.equal(1, r.code)
      assert.equal("nsl: " .. path .. ":1: unexpected symbol near '='\n", r.err)
    end)

    it("reports a runtime error with a traceback, exit 1", function()
      local path = script("local function f() error('boom') end\nf()")
      local r = T.run({ path })
      assert.equal(1, r.code)
      assert.matches("^nsl: " .. path:gsub("%p", "%%%0") .. ":1: boom\nstack traceback:\n", r.err)
      assert.matches("in local 'f'", r.err)
      assert.equal("", r.out)
    end)

    it("reports what nsl refuses on one line at the user's line, no traceback of nsl's frames", function()
      -- a bad argument to a primitive, a description error, an unknown option
      for _, case in ipairs({
        { "veth_add(42)", ":1: bad argument #2 to 'veth_add' (string expected, got no value)" },
        { "local x = 1\nlocal t = nsl.topology { nodes = {} }",
          ":2: topology: unknown key 'nodes' in the description" },
        { "\n\naddr_add('lo', '10.9.0.1/8', { nss = 'x' })",
          ":3: addr_add: unknown option 'nss' (did you mean 'ns'?)" },
      }) do
        local path = script(case[1])
        local r = T.run({ path })
        assert.equal(1, r.code, case[1])
        assert.equal("nsl: " .. path .. case[2] .. "\n", r.err)
        -- NSL_DEBUG=1: the same line, then the traceback
        r = T.run({ path }, { env = { NSL_DEBUG = "1" } })
        assert.equal(1, r.code)
        assert.matches("^nsl: " .. (path .. case[2]):gsub("%p", "%%%0") .. "\nstack traceback:\n", r.err)
      end
      -- -e's chunk is "(command line)": its position is not doubled
      local r = T.run({ "-e", "veth_add(1)" })
      assert.equal("nsl: (command line):1: bad argument #2 to 'veth_add' (string expected, got no value)\n", r.err)
    end)

    it("reports a primitive's failure on one line at the user's line", function()
      if not T.need_sandbox() then return end
      local path = script("ns_add('cli-dup')\nns_add('cli-dup')")
      local r = T.run({ path })
      assert.equal(1, r.code)
      assert.equal("nsl: " .. path .. ":2: ns_add: cli-dup: File exists\n", r.err)
      assert.is_false(require("nsl.core").ns_exists("cli-dup"))
    end)

    it("reports an error inside a required module with its file and line", function()
      local dir = T.tmpdir()
      dirs[#dirs + 1] = dir
      T.write(dir .. "/broken.lua", "local t = nil\nreturn t.field\n")
      local r = T.sh("cd " .. T.quote(dir) .. " && " .. T.quote(T.nsl) .. " -e 'require \"broken\"'")
      assert.equal(1, r.code)
      assert.matches("^nsl: %./broken%.lua:2: attempt to index a nil value %(local 't'%)", r.err)
      r = T.sh("cd " .. T.quote(dir) .. " && " .. T.quote(T.nsl) .. " -l broken -e 'print(1)'")
      assert.equal(1, r.code)
      assert.matches("^nsl: %./broken%.lua:2:", r.err)
      assert.equal("", r.out)
    end)

    it("rejects an unknown option with usage, exit 1", function()
      local r = T.run({ "-x" })
      assert.equal(1, r.code)
      assert.matches("^nsl: unrecognized option '%-x'\nusage: nsl %[options%] %[script %[args%]%]", r.err)
    end)

    it("rejects an unknown long option", function()
      local r = T.run({ "--bogus" })
      assert.equal(1, r.code)
      assert.matches("^nsl: unrecognized option '%-%-bogus'\n", r.err)
    end)

    it("says when -e lacks its argument", function()
      local r = T.run({ "-e" })
      assert.equal(1, r.code)
      assert.matches("^nsl: '%-e' needs an argument\n", r.err)
    end)

    it("prints error objects through their __tostring", function()
      local r = T.run({ "-e", "error(setmetatable({}, {__tostring = function() return 'custom' end}))" })
      assert.equal(1, r.code)
      assert.equal("nsl: custom\n", r.err)
      r = T.run({ "-e", "error({})" })
      assert.matches("^nsl: %(error object is a table value%)", r.err)
    end)
  end)

  describe("when the script ends", function()
    it("ends on Ctrl-C of a script that keeps a lab up with one line, nsl: interrupted", function()
      if not T.need_sandbox() then return end
      local dir = T.tmpdir()
      dirs[#dirs + 1] = dir
      local path = script([[
        local t = nsl.topology { prefix = "cli-", namespaces = { "a", "b" }, links = { { "a", "b" } } }
        t:up()
        io.stdout:write("ready\n") io.stdout:flush()
        while true do sleep(30) end
      ]])
      local r = T.sh(string.format("%s %s > %s/out & pid=$!; %s; kill -INT $pid; wait $pid",
        T.quote(T.nsl), T.quote(path), T.quote(dir), T.sh_until("grep -qs ready " .. T.quote(dir) .. "/out", "ready")))
      assert.equal(130, r.code, r.err)
      assert.equal("nsl: interrupted\n", r.err)
      for _, n in ipairs(require("nsl.core").ns_list()) do assert.is_nil(n:match("^cli%-"), n) end
    end)


    local gc = [[
      local path = ...
      setmetatable({}, { __gc = function() local f = io.open(path, "w") f:write("cleaned") f:close() end })
    ]]

    it("runs __gc cleanups after os.exit(code)", function()
      local dir = T.tmpdir()
      dirs[#dirs + 1] = dir
      local path = script(gc .. "\nos.exit(3)")
      local r = T.run({ path, dir .. "/mark" })
      assert.equal(3, r.code)
      assert.equal("cleaned", T.slurp(dir .. "/mark"))
    end)

    it("skips them with os.exit(code, false)", function()
      local dir = T.tmpdir()
      dirs[#dirs + 1] = dir
      local path = script(gc .. "\nos.exit(true, false)")
      local r = T.run({ path, dir .. "/mark" })
      assert.equal(0, r.code)
      assert.equal("", T.slurp(dir .. "/mark"))
    end)

    it("lets cleanup that a signal started finish under _shield, then dies of the signal", function()
      local dir = T.tmpdir()
      dirs[#dirs + 1] = dir
      local path = script([[
        local mark = ...
        local ok, err = pcall(function() io.write("ready\n") io.flush() sleep(30) end)
        local waited = pcall(sleep, 0.01)   -- unshielded: the signal is still pending
        require("nsl.core")._shield(function()
          sleep(0.1)                         -- shielded: a wait completes
          local f = io.open(mark, "w") f:write(tostring(err), " ", tostring(waited)) f:close()
        end)
        sleep(0.01)                          -- and afterwards it is pending again
        os.exit(0)
      ]])
      local r = T.sh(string.format("%s %s %s > %s/out & pid=$!; %s; kill -TERM $pid; wait $pid",
        T.quote(T.nsl), T.quote(path), T.quote(dir .. "/mark"), T.quote(dir),
        T.sh_until("grep -qs ready " .. T.quote(dir) .. "/out", "ready")))
      assert.equal(143, r.code, r.err)
      assert.equal("terminated by signal 15 (Terminated)! false", T.slurp(dir .. "/mark"))
    end)

    for _, case in ipairs({
      { sig = "TERM", code = 143, msg = "terminated by signal 15 (Terminated)" },
      { sig = "INT", code = 130, msg = "interrupted" },
      { sig = "HUP", code = 129, msg = "terminated by signal 1 (Hangup)" },
    }) do
      it("stops on SIG" .. case.sig .. ", runs cleanups and dies of that signal", function()
        local dir = T.tmpdir()
        dirs[#dirs + 1] = dir
        -- One script blocks in a primitive (sleep), one spins in Lua.
        for _, body in ipairs({ "sleep(30)", "while true do end" }) do
          os.remove(dir .. "/mark")
          os.remove(dir .. "/out") -- else the last round's "ready" is seen before nsl starts
          local path = script(gc .. "\nio.stdout:write('ready\\n') io.stdout:flush()\n" .. body)
          local r = T.sh(string.format("%s %s %s > %s/out & pid=$!; %s; kill -%s $pid; wait $pid",
            T.quote(T.nsl), T.quote(path), T.quote(dir .. "/mark"), T.quote(dir),
            T.sh_until("grep -qs ready " .. T.quote(dir) .. "/out", "ready"), case.sig))
          assert.equal(case.code, r.code, body .. "\n" .. r.err)
          -- one line, no traceback (the shell may add its own "Terminated")
          assert.matches("^nsl: " .. case.msg:gsub("%p", "%%%0") .. "\n", r.err)
          assert.is_nil(r.err:find("traceback"), r.err)
          assert.equal("cleaned", T.slurp(dir .. "/mark"), body)
        end
      end)
    end
  end)
end)
