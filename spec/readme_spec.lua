-- README.md is the front door: short, its script runs, its links lead
-- somewhere.  doc/reference.md is the whole API: every primitive, option,
-- description key, method and subcommand nsl has is named there (or, until
-- it is merged, in a doc/pending/*.md file).
local T = require "spec.support.util"

local function lines_of(text)
  local _, n = text:gsub("\n", "")
  return n
end

-- The text of doc/reference.md and of every doc/pending/*.md.
local function reference()
  local parts = { T.slurp("doc/reference.md") }
  local p = io.popen("ls doc/pending/*.md 2>/dev/null")
  for f in p:lines() do parts[#parts + 1] = T.slurp(f) end
  p:close()
  return parts
end

-- The section of a document that holds pos: from the heading before it to
-- the next heading of level 3 or less (a #### heading stays inside).
local function section(text, pos)
  local start = 1
  for i in text:gmatch("()\n#+ ") do
    if i > pos then break end
    start = i
  end
  local stop = text:find("\n###? ", pos) or #text
  return text:sub(start, stop)
end

-- Every word written as code (in `spans` and ``` blocks) in text.
local function code_words(text)
  local words = {}
  local rest = text:gsub("```.-```", function(block)
    for w in block:gmatch("[%a_][%w_]*") do words[w] = true end
    return ""
  end)
  for span in rest:gmatch("`([^`]+)`") do -- a span may go on over a line break
    for w in span:gmatch("[%a_][%w_]*") do words[w] = true end
  end
  return words
end

-- The keys of the sets a description is checked against, read from the
-- Lua files that declare them: local NAME = set("a", "b", ...).
local DESC_SETS = {
  ["lua/nsl/topo/desc.lua"] = { TOP = true, NS = true, BRIDGE = true, LINK = true, ROUTE = true },
  ["lua/nsl/topo/services.lua"] = { SERVICE = true, READY = true },
  ["lua/nsl/topo/rules.lua"] = { RULE = true },
  ["lua/nsl/topo/kinds.lua"] = { VRF = true },
}
local function description_keys()
  local out = {}
  for file, wanted in pairs(DESC_SETS) do
    for name, args in T.slurp(file):gmatch("\nlocal (%u+) = [%w.]*set(%b())") do
      if wanted[name] then
        for k in args:gmatch('"([%w_]+)"') do out[k] = file .. " " .. name end
      end
    end
  end
  local vlans = require "nsl.topo.vlans"
  for _, k in ipairs(vlans.BRIDGE_KEYS) do out[k] = "vlans.BRIDGE_KEYS" end
  for _, k in ipairs(vlans.LINK_KEYS) do out[k] = "vlans.LINK_KEYS" end
  for k in T.slurp("lua/nsl/topo/kinds.lua"):match("local EXTRA = (%b{})"):gmatch('"([%w_]+)"') do
    out[k] = "kinds EXTRA"
  end
  return out
end

-- The public methods of a metatable's method table (no metamethods, no
-- private names).
local function methods(t)
  local out = {}
  for k, v in pairs(t) do
    if type(v) == "function" and not k:match("^_") then out[#out + 1] = k end
  end
  table.sort(out)
  return out
end

-- The names of `function <Table>:name` / `function <Table>.name` in a file.
local function declared(file, tbl, sep)
  local out = {}
  for name in T.slurp(file):gmatch("\nfunction " .. tbl .. "%" .. sep .. "([%a][%w_]*)") do
    out[#out + 1] = name
  end
  return out
end

describe("README.md #readme", function()
  local readme = T.slurp("README.md")

  it("is a front door of at most 250 lines", function()
    local n = lines_of(readme)
    assert.is_true(n <= 250, "README.md has " .. n .. " lines")
  end)

  it("starts with the two commands", function()
    local first = readme:find("make demo", 1, true)
    assert.is_not_nil(first)
    assert.is_true(first < readme:find("## A short script", 1, true))
    assert.truthy(readme:find("make check", 1, true) < readme:find("## A short script", 1, true))
  end)

  it("has a short script that runs as written and leaves nothing behind #netns", function()
    if not T.need_sandbox() then return end
    local code = readme:match("## A short script\n+```lua\n(.-)```")
    assert.is_not_nil(code)
    assert.is_true(lines_of(code) <= 12, "the short script has " .. lines_of(code) .. " lines")
    local path, dir = T.script(code)
    finally(function() T.rm(dir) end)
    local r = T.run({ path })
    assert.equal(0, r.code, r.err)
    assert.equal("blue reaches the host\n", r.out)
    assert.equal("", T.sh("ip netns list").out)
    assert.equal("lo\n", T.sh("ls /sys/class/net").out)
  end)

  it("links only documents that exist", function()
    local links = 0
    for target in readme:gmatch("%]%(([^)#]+)[^)]*%)") do
      if not target:match("^%a+://") then
        links = links + 1
        assert.truthy(io.open(target), "README.md links " .. target)
      end
    end
    for _, doc in ipairs({ "doc/tutorial.md", "doc/reference.md", "doc/testing.md", "doc/rootless.md",
                           "doc/concepts.md", "doc/troubleshooting.md", "HACKING.md" }) do
      assert.truthy(readme:find("(" .. doc .. ")", 1, true), "README.md does not link " .. doc)
    end
    assert.is_true(links > 7)
  end)

  it("has a quick start whose chain and suite run as written #netns", function()
    if not T.need_sandbox() then return end
    local quick = readme:match("\n## Quick start.-\n## ")
    assert.is_not_nil(quick)
    local blocks = {}
    for code in quick:gmatch("```lua\n(.-)```") do blocks[#blocks + 1] = code end
    assert.equal(2, #blocks)
    local path, dir = T.script(blocks[1])
    finally(function() T.rm(dir) end)
    local r = T.run({ path })
    assert.equal(0, r.code, r.err)
    assert.matches("^hello\n", r.out)
    T.write(dir .. "/hello_spec.lua", blocks[2])
    -- busted --lua=nsl finds nsl in PATH, as the README says to set it.
    assert.equal(0, T.sh("mkdir " .. T.quote(dir .. "/bin") .. " && ln -s \"$(realpath "
      .. T.quote(T.nsl) .. ")\" " .. T.quote(dir .. "/bin/nsl")).code)
    local b = T.sh("cd " .. T.quote(dir) .. " && PATH=" .. T.quote(dir .. "/bin") .. ":$PATH"
      .. " busted --lua=nsl -o TAP hello_spec.lua")
    assert.equal(0, b.code, b.out .. b.err)
    assert.matches("ok 2 ", b.out)
    assert.equal("", T.sh("ip netns list").out)
  end)

  it("and nsl(1) say what a script keeps as the code does: a bare ns_add stays #netns", function()
    assert.matches("| normally[^\n]*| %*%*kept%*%*", readme)
    local page = T.sh("MANWIDTH=200 man -l doc/nsl.1")
    assert.equal(0, page.code, page.err)
    assert.truthy(page.out:find("keeps what bare primitives made", 1, true), page.out)
    assert.falsy(page.out:find("Nothing a script makes is left behind", 1, true))
    if not T.need_sandbox() then return end
    local path, dir = T.script('ns_add("kept")\n')
    finally(function()
      T.rm(dir)
      T.sh("ip netns del kept 2>/dev/null")
    end)
    assert.equal(0, T.run({ path }).code)
    assert.equal("kept\n", T.sh("ip netns list").out)
  end)

  it("links every example", function()
    -- (or the documentation waiting in doc/pending/ to be merged into doc/)
    local docs = ""
    for f in io.popen("ls doc/*.md doc/pending/*.md 2>/dev/null"):lines() do docs = docs .. T.slurp(f) end
    for f in io.popen("ls examples"):lines() do
      assert.truthy(readme:find("(examples/" .. f .. ")", 1, true) or docs:find("examples/" .. f .. "/", 1, true), f)
    end
  end)
end)

describe("the docs #readme", function()
  -- The anchors GitHub gives a Markdown file's headings.
  local function anchors(file)
    local out = {}
    for h in ("\n" .. T.slurp(file)):gmatch("\n#+ ([^\n]+)") do
      out[(h:lower():gsub("[^%w%s_-]", ""):gsub("%s", "-"))] = true
    end
    return out
  end

  it("link only files and headings that exist", function()
    local p = io.popen("ls README.md HACKING.md doc/*.md")
    local checked = 0
    for f in p:lines() do
      local dir = f:match("^(.*)/") or "."
      for target, anchor in T.slurp(f):gmatch("%]%(([^)#]*)#?([^)]*)%)") do
        if not target:match("^%a+://") then
          local file = target == "" and f or dir .. "/" .. target
          assert.truthy(io.open(file), f .. " links " .. target)
          if anchor ~= "" and file:match("%.md$") then
            assert.truthy(anchors(file)[anchor], f .. " links " .. target .. "#" .. anchor .. ": no such heading")
            checked = checked + 1
          end
        end
      end
    end
    p:close()
    assert.is_true(checked > 20)
  end)

  it("run the tutorial's first script as written, and it leaves nothing behind #netns", function()
    if not T.need_sandbox() then return end
    local code = T.slurp("doc/tutorial.md"):match("## 1%. Two nodes\n.-```lua\n(.-)```")
    assert.is_not_nil(code)
    local path, dir = T.script(code)
    finally(function() T.rm(dir) end)
    local r = T.run({ path })
    assert.equal(0, r.code, r.err)
    assert.matches("a reaches b", r.out)
    assert.equal("", T.sh("ip netns list").out)
    assert.equal("lo\n", T.sh("ls /sys/class/net").out)
  end)
end)

describe("doc/reference.md #readme", function()
  local parts = reference()
  local ref = table.concat(parts, "\n")

  local function missing_of(names, documented)
    local missing = {}
    for _, name in ipairs(names) do
      if not documented(name) then missing[#missing + 1] = name end
    end
    table.sort(missing)
    return missing
  end

  -- The code words of the section documenting a primitive: in
  -- doc/reference.md the section of its table row, in a doc/pending file
  -- the whole file.
  local function words_of(prim)
    local out = {}
    for i, text in ipairs(parts) do
      local pos = text:find("| `" .. prim .. "(", 1, true) or text:find("`" .. prim .. "(", 1, true)
      if pos then
        for w in pairs(code_words(i == 1 and section(text, pos) or text)) do out[w] = true end
      end
    end
    return out
  end

  it("documents every primitive nsl registers", function()
    local names = {}
    for name, f in pairs(require("nsl.core")) do
      if type(f) == "function" and name:sub(1, 1) ~= "_" then names[#names + 1] = name end
    end
    assert.is_true(#names > 40)
    assert.same({}, missing_of(names, function(n) return ref:find("`" .. n .. "(", 1, true) end))
  end)

  it("documents every field of the nsl module", function()
    local core, names = require "nsl.core", {}
    for name in pairs(require "nsl") do
      if core[name] == nil and not name:match("^_") then names[#names + 1] = name end
    end
    assert.is_true(#names > 5)
    assert.same({}, missing_of(names, function(n) return ref:find("`nsl." .. n, 1, true) end))
  end)

  it("documents every option of every primitive where the primitive is", function()
    local missing = {}
    for prim, o in pairs(require("nsl.core")._options) do
      local here = words_of(prim)
      for _, key in ipairs(o.keys) do
        if not here[key] then missing[#missing + 1] = prim .. "." .. key end
      end
    end
    table.sort(missing)
    assert.same({}, missing)
  end)

  it("documents every key of a topology description with the topologies", function()
    local text = parts[1]
    local from = text:find("\n### Topologies\n", 1, true)
    local to = text:find("\n### Topology methods\n", 1, true)
    assert.truthy(from and to, "doc/reference.md has ### Topologies and ### Topology methods")
    local here = code_words(text:sub(from, to))
    for i = 2, #parts do
      for w in pairs(code_words(parts[i])) do here[w] = true end
    end
    local missing = {}
    for key, where in pairs(description_keys()) do
      if not here[key] then missing[#missing + 1] = key .. " (" .. where .. ")" end
    end
    table.sort(missing)
    assert.same({}, missing)
  end)

  it("documents every method of topologies, handles, processes, sockets and nsl.test", function()
    local function with(prefix) return function(m) return ref:find(prefix .. m, 1, true) end end
    local netns = require "nsl.netns"
    local proc = debug.getregistry()["nsl.process"]
    local _, proc_methods = debug.getupvalue(proc.__index, 1)
    local sock = debug.getregistry()["nsl.socket"]
    assert.same({}, missing_of(methods(require("nsl.topo").Topology), with("t:")))
    local handles = parts[1]:match("\n### Handles\n.-\n##") or ""
    for i = 2, #parts do handles = handles .. parts[i] end
    local hw = code_words(handles)
    assert.same({}, missing_of(methods(netns.Netns), function(m) return hw[m] end))
    assert.same({}, missing_of(methods(netns.Link), function(m) return hw[m] end))
    assert.same({}, missing_of(methods(proc_methods), with("h:")))
    assert.same({}, missing_of(methods(sock.__index), with("s:")))
  end)

  it("and doc/testing.md every method and function of nsl.test", function()
    local testing = T.slurp("doc/testing.md")
    local function with(prefix) return function(m) return testing:find(prefix .. m, 1, true) end end
    local world = declared("lua/nsl/test.lua", "World", ":")
    assert.is_true(#world > 5)
    assert.same({}, missing_of(world, with("w:")))
    assert.same({}, missing_of(declared("lua/nsl/test.lua", "M", "."), with("nt.")))
  end)

  it("documents every subcommand and option of the command line", function()
    local names = {}
    for s in T.slurp("lua/nsl/cli.lua"):gmatch("\nfunction M%.(%a+)%(args%)") do names[#names + 1] = s end
    assert.is_true(#names >= 4)
    assert.same({}, missing_of(names, function(s) return ref:find("`nsl " .. s, 1, true) end))
    local help = T.run({ "--help" }).out
    local opts = {}
    for o in help:gmatch("\n  (%-%-?[%w-]+)") do opts[#opts + 1] = o end
    assert.is_true(#opts > 8)
    assert.same({}, missing_of(opts, function(o) return ref:find(o, 1, true) end))
  end)
end)
