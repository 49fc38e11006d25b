-- nsl.check: the progress lines and verdict of self-checking scripts.
local T = require "spec.support.util"

describe("nsl.check #unit", function()
  it("prints steps, ✓ and ✗ lines and a summary, and says whether all passed", function()
    local r = T.run({ "-e", [[
      local check = require "nsl.check"
      check.step("build")
      check.ok(true, "it stands")
      check.eq({}, nil, "nothing")
      check.eq(1 + 1, 3, "arithmetic")
      os.exit(check.finish())
    ]] })
    assert.equal(1, r.code)
    assert.equal(table.concat({
      "▸ build",
      "  ✓ it stands",
      "  ✗ nothing: expected nil, got {}",
      "  ✗ arithmetic: expected 3, got 2",
      "✗ 1 passed, 2 failed", "" }, "\n"), r.out)
  end)

  it("exits 0 when every check passed", function()
    local r = T.run({ "-e", "local c = require 'nsl.check'; c.ok(1, 'one'); os.exit(c.finish())" })
    assert.equal(0, r.code)
    assert.equal("  ✓ one\n✓ 1 passed, 0 failed\n", r.out)
  end)
end)
