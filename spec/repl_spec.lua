-- The REPL, driven in a real terminal (tmux) and read off the screen.
local T = require "spec.support.util"

describe("the REPL #repl", function()
  local home, term

  local function start()
    -- The shell line after nsl shows its exit status on the screen.
    term = T.terminal(T.quote(T.nsl) .. "; echo exit status $?",
      { env = { HOME = home, TERM = "xterm" } })
    term:wait_for("nsl> ", 5, true)
  end

  before_each(function()
    home = T.tmpdir()
    start()
  end)

  after_each(function()
    if term then term:close() end
    T.rm(home)
  end)

  -- The last `n` lines of the screen.
  local function tail(n)
    local lines = {}
    for l in (term:screen() .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = l end
    return table.concat(lines, "\n", math.max(1, #lines - n + 1))
  end

  it("greets with the version and prints the value of an expression", function()
    assert.matches("^nsl %d+%.%d+%.%d+ %(Lua 5%.4", term:screen())
    term:line("1 + 1")
    term:wait_for("nsl> 1 + 1\n2\nnsl> ", 5, true)
  end)

  it("pretty-prints tables, nested and sorted", function()
    term:line("{ b = { 3, 2 }, a = 'x' }")
    term:wait_for('{ a = "x", b = { 3, 2 } }\nnsl> ', 5, true)
  end)

  it("shows an array of records as aligned columns", function()
    term:line("{ { name = 'lo', mtu = 65536 }, { name = 'veth0', mtu = 1500 } }")
    term:wait_for("name   mtu\nlo     65536\nveth0  1500\nnsl> ", 5, true)
  end)

  it("asks for more lines while a chunk is incomplete", function()
    term:line("function twice(x)")
    term:wait_for("...> ", 5, true)
    term:line("return 2 * x")
    term:line("end")
    term:line("twice(21)")
    term:wait_for("...> end\nnsl> twice(21)\n42\nnsl> ", 5, true)
  end)

  it("reports a syntax error and carries on", function()
    term:line("x = = 1")
    term:wait_for("nsl: stdin:1: unexpected symbol near '='\nnsl> ", 5, true)
    term:line("'still here'")
    term:wait_for('"still here"\nnsl> ', 5, true)
  end)

  it("completes globals and table fields with Tab", function()
    term:type("string.fo")
    term:key("Tab")
    term:wait_for("nsl> string.format(", 5, true)
    term:type("'%d', 7)")
    term:key("Enter")
    term:wait_for('"7"\nnsl> ', 5, true)
    term:type("sle")
    term:key("Tab")
    term:wait_for("nsl> sleep(", 5, true)
  end)

  it("lists the candidates when Tab is pressed twice on an ambiguous name", function()
    term:line("box = { alpha = 1, alps = {} }")
    term:type("box.al")
    term:key("Tab", "Tab")
    local screen = term:wait_for("box.alps.", 5, true)
    assert.truthy(screen:find("box.alpha", 1, true), screen)
  end)

  it("stops a running chunk on Ctrl-C and returns to the prompt", function()
    -- the chunk says when it runs (SPIN, made at run time: the echoed
    -- line does not show it), so Ctrl-C comes then, not after a guess
    term:line("io.write(('spin'):upper(), '\\n') io.flush() while true do end")
    term:wait_for("\nSPIN", 5, true)
    term:key("C-c")
    term:wait_for("nsl: interrupted", 5, true)
    term:wait_for("nsl> $", 5)
    term:line("'alive'")
    term:wait_for('"alive"\nnsl> ', 5, true)
  end)

  it("stops a blocking primitive on Ctrl-C", function()
    term:line("io.write(('wait'):upper(), '\\n') io.flush() sleep(60)")
    term:wait_for("\nWAIT", 5, true)
    term:key("C-c")
    term:wait_for("nsl: interrupted", 5, true)
    assert.is_true(term:alive())
  end)

  it("discards the line being typed on Ctrl-C", function()
    term:type("this is not lua")
    term:wait_for("nsl> this is not lua", 5, true)
    term:key("C-c")
    term:line("3 * 3")
    term:wait_for("nsl> this is not lua\nnsl> 3 * 3\n9\nnsl> ", 5, true)
  end)

  it("leaves on Ctrl-D with status 0", function()
    term:key("C-d")
    local screen = term:wait_for("nsl> [^\n]*\nexit status %d+", 5)
    assert.equal("0", screen:match("\nexit status (%d+)"))
  end)

  it("ends, and leaves no process behind, when its terminal goes away", function()
    term:close()
    local t = T.terminal(T.quote(T.nsl), { env = { HOME = home } })
    t:wait_for("nsl> ", 5, true)
    local pid = t:tmux("display-message -p -t t '#{pane_pid}'").out:match("%d+")
    assert.is_not_nil(pid)
    t:close()
    local gone = false
    for _ = 1, 100 do
      if T.sh("kill -0 " .. pid).code ~= 0 then gone = true break end
      T.sh("sleep 0.05")
    end
    if not gone then T.sh("kill -9 " .. pid) end
    assert.is_true(gone, "nsl " .. pid .. " still runs after its terminal closed")
  end)

  it("keeps a history file in the home directory and recalls it", function()
    term:line("x = 'remembered'")
    term:wait_for("nsl> x = 'remembered'\nnsl> ", 5, true)
    term:key("C-d")
    -- the history is written as the REPL ends
    for _ = 1, 100 do
      if (T.slurp(home .. "/.nsl_history") or ""):find("remembered", 1, true) then break end
      T.sh("sleep 0.02")
    end
    term:close()
    assert.truthy(T.slurp(home .. "/.nsl_history"):find("remembered", 1, true))
    start()
    term:key("Up")
    term:wait_for("nsl> x = 'remembered'$", 5)
    assert.matches("nsl> x = 'remembered'$", tail(1))
  end)

  it("prints a string holding newlines as its text, a block", function()
    term:line("'first\\nsecond'")
    term:wait_for("nsl> 'first\\nsecond'\nfirst\nsecond\nnsl> ", 5, true)
    term:line("'one line'")
    term:wait_for('"one line"\nnsl> ', 5, true)
  end)

  it("does not offer metamethods or private fields on Tab", function()
    term:line("obj = setmetatable({ visible = 1, _hidden = 2 }, { __index = { __gc = 3 } })")
    term:type("obj.")
    term:key("Tab")
    term:wait_for("nsl> obj.visible", 5, true)
  end)

  it("completes the names of namespaces there are (ns_list) inside a string #netns", function()
    if not T.need_sandbox() then return end
    term:line("ns_add('zeta9')")
    term:wait_for("nsl> ns_add('zeta9')\nnsl> ", 10, true)
    term:type("ns_exists('zet")
    term:key("Tab")
    term:wait_for("nsl> ns_exists('zeta9", 5, true)
    term:type("')")
    term:key("Enter")
    term:wait_for("true", 5, true)
    term:line("ns_del('zeta9')")
  end)

  it("completes the node names of live topologies inside a string #netns", function()
    if not T.need_sandbox() then return end
    term:line("t = nsl.topology { namespaces = { 'gamma1' } }:up()")
    term:wait_for("nsl> t = nsl.topology { namespaces = { 'gamma1' } }:up()\nnsl> ", 10, true)
    term:type("t:exec('gam")
    term:key("Tab")
    term:wait_for("nsl> t:exec('gamma1", 5, true)
    term:type("', 'hostname')")
    term:key("Enter")
    term:wait_for("ok = true", 5, true)
    term:line("t:down()")
  end)
end)
