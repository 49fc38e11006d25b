-- README.md is the front door: its script runs, its API list is whole.
local T = require "spec.support.util"

describe("README.md #readme", function()
  local readme = T.slurp("README.md")

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
    local _, lines = code:gsub("\n", "")
    assert.is_true(lines <= 12, "the short script has " .. lines .. " lines")
    local path, dir = T.script(code)
    finally(function() T.rm(dir) end)
    local r = T.run({ path })
    assert.equal(0, r.code, r.err)
    assert.equal("blue reaches the host\n", r.out)
    assert.equal("", T.sh("ip netns list").out)
    assert.equal("lo\n", T.sh("ls /sys/class/net").out)
  end)

  it("documents every primitive nsl registers (README, doc/*.md or doc/pending/*.md)", function()
    local docs = { readme }
    for f in io.popen("ls doc/*.md doc/pending/*.md 2>/dev/null"):lines() do
      docs[#docs + 1] = T.slurp(f)
    end
    docs = table.concat(docs, "\n")
    local missing = {}
    for name, f in pairs(require("nsl.core")) do
      if type(f) == "function" and name:sub(1, 1) ~= "_"
          and not docs:find("`" .. name .. "(", 1, true) then
        missing[#missing + 1] = name
      end
    end
    table.sort(missing)
    assert.same({}, missing)
  end)

  it("links every example", function()
    for f in io.popen("ls examples"):lines() do
      assert.truthy(readme:find("(examples/" .. f .. ")", 1, true), f)
    end
  end)
end)
