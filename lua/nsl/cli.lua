-- nsl.cli: the subcommands of the nsl command (src/cmd/subcmd.c hands
-- them here): ls, show, exec, dot.  Each reads the lab files of the run
-- directory (nsl.lab) or, for dot, a script run with nothing made.
local core = require("nsl.core")
local nsl = require("nsl")
local json = require("nsl.json")
local pretty = require("nsl.pretty")
local lab = require("nsl.lab")
local subcommands = require("nsl.live") -- up, down, link...
local topo = require("nsl.topo")
local state = require("nsl.topo.state")
local shown = require("nsl.runfile").shown

local M = {}

-- A user's mistake (a usage error, no such node): one line, no traceback.
local Die = {}
local function die(fmt, ...)
  error(setmetatable({ msg = string.format(fmt, ...) }, Die), 0)
end

-- Names come from files another user may have written: never a
-- terminal's escape sequence.
local function out(s)
  io.stdout:write(shown(s), s:sub(-1) == "\n" and "" or "\n")
end

-- The live runs and dead ones (nsl.lab.runs); a file of the run
-- directory that is not what nsl writes is skipped with a line.
local function runs(cmd)
  return lab.runs(function(path, why)
    io.stderr:write("nsl: ", cmd, ": ", shown(path), ": ", shown(why), " (skipped)\n")
  end)
end

-- The options of a subcommand: flags (no value) and valued ones; the
-- rest are positional.  "--" ends the options; what follows is rest, as
-- is everything after the `upto`th positional word (nsl exec NODE cmd
-- -opt: cmd's -opt is cmd's).
local function parse(cmd, args, flags, valued, upto)
  local o, pos, rest = {}, {}, nil
  local i = 1
  while i <= #args do
    local a = args[i]
    if a == "--" or (upto and #pos >= upto) then
      rest = table.move(args, a == "--" and i + 1 or i, #args, 1, {})
      break
    elseif flags[a] then
      o[flags[a]] = true
    elseif valued[a] then
      if args[i + 1] == nil then die("%s: %s needs a value", cmd, a) end
      o[valued[a]] = args[i + 1]
      i = i + 1
    elseif a:sub(1, 1) == "-" and a ~= "-" then
      die("%s: unknown option '%s' (see nsl --help)", cmd, a)
    else
      pos[#pos + 1] = a
    end
    i = i + 1
  end
  return o, pos, rest
end

-- Every node of every live topology: { run, doc, top, ns } (namespaces
-- only: what exec and show can enter).
local function nodes(live)
  local all = {}
  for _, doc in ipairs(live) do
    for _, top in ipairs(doc.topologies or {}) do
      for _, ns in ipairs(top.namespaces or {}) do
        all[#all + 1] = { run = doc.run, doc = doc, top = top, ns = ns }
      end
    end
  end
  return all
end

-- Finds the node named `spec` ("node", "RUN/node", or a real name),
-- within run `run` when given, among live (default: the run directory's
-- live runs); raises when none or several match.
local function find_node(cmd, spec, run, live)
  live = live or runs(cmd)
  local r, name = spec:match("^([^/]+)/(.+)$")
  if r then run, spec = r, name end
  local found = {}
  for _, n in ipairs(nodes(live)) do
    if (not run or n.run == run or tostring(n.doc.pid) == run or n.doc.name == run)
        and (n.ns.name == spec or n.ns.real == spec) then
      found[#found + 1] = n
    end
  end
  if #found == 0 then
    local why = os.getenv("NSL_NO_REGISTRY")
    die("%s: %s: no such node in a live topology%s (nsl ls lists them)%s", cmd, spec,
      run and (" of run " .. run) or "", why and ("; " .. why) or "")
  end
  if #found > 1 then
    local where = {}
    for _, n in ipairs(found) do where[#where + 1] = n.run .. "/" .. n.ns.name .. " (" .. n.ns.real .. ")" end
    die("%s: %s: in several live topologies: %s; choose one with --run ID or RUN/NODE", cmd, spec,
      table.concat(where, ", "))
  end
  return found[1]
end

-- Every address of a node's interfaces, IPv4 and IPv6 (a lab file of an
-- older nsl has only each interface's first, "address").
local function addresses(x)
  local a = {}
  for _, i in ipairs(x.interfaces or { x }) do
    if i.addresses then
      for _, text in ipairs(i.addresses) do a[#a + 1] = text end
    elseif i.address then
      a[#a + 1] = i.address
    end
  end
  return table.concat(a, " ")
end

-- nsl ls [--json]
function M.ls(args)
  local o = parse("ls", args, { ["--json"] = "json" }, {})
  local live, dead = runs("ls")
  if o.json then
    -- in a rootless world nsl ls joined (src/cmd/worlds.c): which
    local pid, user = (os.getenv("NSL_WORLD") or ""):match("^(%d+) (.*)$")
    out(json.encode({ runs = json.array(live), dead = json.array(dead),
                      world = pid and { pid = tonumber(pid), user = user } or nil }))
    return 0
  end
  if #live == 0 then out("no live nsl runs with topologies") end
  local why = os.getenv("NSL_NO_REGISTRY")
  if why then io.stderr:write("nsl: ls: ", why, "\n") end
  for _, doc in ipairs(live) do
    if doc.name then -- a lab nsl up keeps
      out(string.format("lab %s  run %s  keeper pid %d  %s", doc.name, doc.run, doc.pid, doc.file or ""))
    else
      out(string.format("run %s  pid %d  %s", doc.run, doc.pid, doc.script or "(no script)"))
    end
    for _, top in ipairs(doc.topologies or {}) do
      out("  topology " .. (top.prefix ~= "" and top.prefix or "(no prefix)"))
      local rows = setmetatable({}, { __columns = { "node", "real", "hostname", "addresses" } })
      for _, ns in ipairs(top.namespaces or {}) do
        rows[#rows + 1] = { node = ns.name, real = ns.real, hostname = ns.hostname or "",
                            addresses = addresses(ns) }
      end
      for _, b in ipairs(top.bridges or {}) do
        rows[#rows + 1] = { node = b.name, real = b.real, hostname = "(bridge)", addresses = addresses(b) }
      end
      if #rows > 0 then out("    " .. pretty.format(rows):gsub("\n", "\n    ")) end
    end
  end
  if #dead > 0 then
    out("dead runs with leftovers (nsl --clean removes them):")
    for _, d in ipairs(dead) do
      local what = {}
      for _, e in ipairs(d.leftovers or {}) do
        what[#what + 1] = e.kind .. " " .. e.name .. (e.ns and " in " .. e.ns or "")
      end
      if d.lab and #what == 0 then
        for _, top in ipairs(d.lab.topologies or {}) do
          for _, ns in ipairs(top.namespaces or {}) do what[#what + 1] = ns.real end
        end
      end
      out("  " .. d.run .. "  " .. table.concat(what, ", "))
    end
  end
  return 0
end

-- nsl show [--json] [NODE | RUN [NODE]]
function M.show(args)
  local o, pos = parse("show", args, { ["--json"] = "json" }, { ["--run"] = "run" })
  local live = runs("show")
  local tops = {}
  local want, only = pos[1], nil
  if #pos > 2 then die("show: too many words: usage: nsl show [--json] [NODE | RUN [NODE]]") end
  if pos[2] then -- RUN NODE: that node alone
    local n = find_node("show", pos[2], pos[1], live)
    tops[1], only, want = n.top, n.ns.name, nil
  end
  if want then
    local is_run = false
    for _, doc in ipairs(live) do
      if doc.run == want or tostring(doc.pid) == want or (doc.name and doc.name == want) then
        is_run = true
        for _, top in ipairs(doc.topologies or {}) do tops[#tops + 1] = top end
      end
    end
    if not is_run then tops[1] = find_node("show", want, o.run, live).top end
  elseif not only then
    for _, doc in ipairs(live) do
      if not o.run or doc.run == o.run then
        for _, top in ipairs(doc.topologies or {}) do tops[#tops + 1] = top end
      end
    end
  end
  if o.json then
    local states = {}
    for i, top in ipairs(tops) do
      states[i] = state.live(top)
      if only then
        local keep = {}
        for _, n in ipairs(states[i].namespaces) do
          if n.name == only then keep[#keep + 1] = n end
        end
        states[i].namespaces = json.array(keep)
        states[i].host = { links = {} }
      end
    end
    out(json.encode(json.array(states)))
    return 0
  end
  if #tops == 0 then out("no live topologies (nsl ls)") end
  for _, top in ipairs(tops) do out(state.report(top, { only = only })) end
  return 0
end

-- nsl exec [--run ID] NODE [--] [cmd...]: cmd (its words from the first
-- after NODE, options included), or an interactive shell,
-- in the node's namespaces as ns_exec runs it (its /etc/netns files),
-- in its UTS namespace when it has a hostname, in its mount namespace
-- when it has files or private directories.  Exits with cmd's status.
function M.exec(args)
  local o, pos, rest = parse("exec", args, {}, { ["--run"] = "run" }, 1)
  local spec = table.remove(pos, 1)
  if not spec then die("exec: which node? usage: nsl exec [--run ID] NODE [cmd...]") end
  local cmd = rest or {}
  if cmd[1] == "--" then table.remove(cmd, 1) end -- nsl exec NODE -- cmd
  if #cmd == 0 then cmd = { os.getenv("SHELL") or "/bin/sh" } end
  local n = find_node("exec", spec, o.run)
  -- its hostname and its files (the UTS and mount namespaces it keeps)
  local opts = { uts = n.ns.uts, mnt = n.ns.mnt }
  if M._hold_signals then M._hold_signals(true) end -- Ctrl-C is the command's
  local ok, r = pcall(core.ns_exec, n.ns.real, cmd, opts)
  if M._hold_signals then M._hold_signals(false) end
  -- the node's run may have taken it down since the lab file was read
  if not ok then die("exec: %s: %s", spec, tostring(r)) end
  if r.code then return r.code end
  return 128 + (core.signals[r.signal] or 1)
end

-- Stubs that stand in for the primitives while nsl dot runs a script:
-- nothing is made, reads return empty results.
local Handle = {}
Handle.__index = Handle
function Handle.wait(h) return h.result end
function Handle.running() return false end
function Handle.output() return "", "" end
function Handle.kill() return false end
function Handle.write() end
function Handle.close_stdin() end
function Handle.close() end
Handle.__close = Handle.close

-- ns_exec(name, cmd, opts), pid_exec(pid, cmd, opts), spawn(cmd, opts)
local function stub_result(_, b, c)
  local r = { ok = true, code = 0, stdout = "", stderr = "", pid = 0 }
  for _, o in ipairs({ b, c }) do
    if type(o) == "table" and o.background then
      return setmetatable({ pid = 0, result = r }, Handle)
    end
  end
  return r
end

local function stubs()
  local s = {}
  for name, f in pairs(core) do
    if type(f) == "function" and name:sub(1, 1) ~= "_" then
      if name:match("_list$") then s[name] = function() return {} end
      elseif name:match("_exists$") then s[name] = function() return false end
      elseif name:match("_get$") then s[name] = function() return {} end
      elseif name:match("exec$") or name == "spawn" then s[name] = stub_result
      elseif name == "now" then s[name] = f
      else s[name] = function() end end
    end
  end
  s.sleep = function() end
  return s
end

-- nsl dot SCRIPT [-o FILE] [args...]: the topologies the script
-- describes, as Graphviz (FILE.svg: rendered by dot -Tsvg).  The script
-- runs with every primitive a no-op and t:up() only noting the topology.
function M.dot(args)
  local o, pos = parse("dot", args, {}, { ["-o"] = "output" })
  local script = table.remove(pos, 1)
  if not script then die("dot: which script? usage: nsl dot SCRIPT.lua [-o FILE.svg|FILE.dot]") end
  local chunk, err = loadfile(script)
  if not chunk then die("dot: %s", err) end
  local T = topo.Topology
  local seen = {}
  local saved = { up = T.up, down = T.down, close = T.__close, gc = T.__gc }
  T.up = function(self) self.status = "up" return self end
  T.down = function(self) self.status = "down" return self end
  T.__close, T.__gc = function() end, function() end
  local real_new = topo.new
  topo.new = function(...)
    local t = real_new(...)
    seen[#seen + 1] = t
    return t
  end
  local fake = stubs()
  local restore = {}
  for name, f in pairs(fake) do
    restore[name] = { rawget(_G, name), nsl[name], core[name] }
    rawset(_G, name, f)
    nsl[name], core[name] = f, f
  end
  local real_exit = os.exit
  local EXIT = {}
  os.exit = function() error(EXIT, 0) end -- luacheck: ignore 122
  arg = { [0] = script, table.unpack(pos) } -- luacheck: ignore 121
  -- What the script prints goes to stderr: stdout is the graph's.
  local real_print = print
  print = function(...) -- luacheck: ignore 121
    local t = table.pack(...)
    for i = 1, t.n do t[i] = tostring(t[i]) end
    io.stderr:write(table.concat(t, "\t", 1, t.n), "\n")
  end
  local real_stdout = io.stdout
  io.stdout = io.stderr -- luacheck: ignore 122
  io.output(io.stderr)
  local ok, e = pcall(chunk, table.unpack(pos))
  io.stdout = real_stdout -- luacheck: ignore 122
  io.output(io.stdout)
  print = real_print -- luacheck: ignore 121
  os.exit = real_exit -- luacheck: ignore 122
  for name, r in pairs(restore) do rawset(_G, name, r[1]) nsl[name], core[name] = r[2], r[3] end
  topo.new = real_new
  T.up, T.down, T.__close, T.__gc = saved.up, saved.down, saved.close, saved.gc
  for _, t in ipairs(seen) do t.status = "down" end
  if not ok and e ~= EXIT then
    io.stderr:write("nsl: dot: the script stopped (nothing was made): ", tostring(e), "\n")
  end
  if #seen == 0 then die("dot: %s describes no topology", script) end
  local text
  if #seen == 1 then
    text = seen[1]:dot()
  else
    -- several topologies: one graph, a cluster each
    local parts = { "graph \"nsl\" {", "  graph [fontname=\"monospace\"];" }
    for i, t in ipairs(seen) do
      -- names (not labels) get the topology's number: two topologies
      -- may both have a node x or a cluster_host
      local body = t:dot():gsub("^graph [^\n]*{", "subgraph \"cluster_topology\" {\n  label=\"" ..
        (t.prefix ~= "" and t.prefix or "topology " .. i) .. "\";")
      body = body:gsub('([%s%-])"([^"\n]*)"', function(pre, id) return pre .. '"' .. i .. "/" .. id .. '"' end)
      parts[#parts + 1] = body
    end
    parts[#parts + 1] = "}"
    text = table.concat(parts, "\n") .. "\n"
  end
  if not o.output or o.output == "-" then
    io.stdout:write(text)
  elseif o.output:match("%.svg$") then
    local r = core.spawn({ "dot", "-Tsvg", "-o", o.output }, { stdin = text, capture = true })
    if not r.ok then die("dot: dot -Tsvg: %s", r.stderr ~= "" and r.stderr or "failed") end
  else
    local f, ferr = io.open(o.output, "w")
    if not f then die("dot: %s", ferr) end
    f:write(text)
    f:close()
  end
  return 0
end

subcommands.install(M, { die = die, out = out, parse = parse }) -- up, down, link...

local usage = "usage: nsl ls [--json] | nsl show [--json] [NODE|RUN [NODE]] | " ..
  "nsl exec [--run ID] NODE [cmd...] | nsl dot SCRIPT.lua [-o FILE] | nsl up FILE [--name NAME] | " ..
  "nsl down RUN|--all | nsl link|impair|partition|heal|capture RUN ... (nsl --help)"

-- main(subcommand, args...): runs it and exits with its status.
function M.main(cmd, ...)
  local f = M[cmd]
  if type(f) ~= "function" or cmd == "main" then error(usage, 0) end
  local ok, code = pcall(f, { ... })
  io.stdout:flush()
  if not ok then
    if getmetatable(code) ~= Die then error(code, 0) end
    io.stderr:write("nsl: ", shown(code.msg), "\n")
    code = 1
  end
  if code ~= 0 then os.exit(code) end
end

return M
