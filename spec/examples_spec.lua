-- Every example runs unattended, checks itself, and leaves nothing behind.
local T = require "spec.support.util"

-- Every process an example starts inherits NSL_EXAMPLE_RUN=<marker>
-- (nsl passes its environment on): any such process still alive after the
-- example ended is a leftover, whatever it is.
local function survivors(marker)
  return T.sh("grep -l -a -s 'NSL_EXAMPLE_RUN=" .. marker .. "' /proc/[0-9]*/environ || true").out
end

local function leftovers()
  return {
    netns = T.sh("ip netns list").out,
    links = T.sh("ip -o link show | awk -F': ' '{print $2}' | grep -v '^lo$' || true").out,
    etc = T.sh("ls -A /etc/netns 2>/dev/null || true").out,
  }
end

describe("the examples #netns #examples", function()
  local p = io.popen("ls examples/*.lua")
  local examples = {}
  for f in p:lines() do examples[#examples + 1] = f end
  p:close()

  it("are one per scenario, S1 to S6", function()
    for i = 1, 6 do
      local found = false
      for _, f in ipairs(examples) do
        if f:match("^examples/s" .. i .. "_") then found = true end
      end
      assert.is_true(found, "no example for S" .. i)
    end
  end)

  for _, file in ipairs(examples) do
    it(file .. " passes its own checks and leaves nothing behind", function()
      if not T.need_sandbox() then return end
      local before = leftovers()
      local marker = tostring(math.random(1e9))
      local r = T.run({ file }, { env = { NSL_EXAMPLE_RUN = marker } })
      assert.equal(0, r.code, r.out .. r.err)
      assert.equal("", survivors(marker))
      assert.matches("\n✓ %d+ passed, 0 failed\n$", r.out)
      assert.not_matches("✗", r.out)
      assert.same(before, leftovers())
    end)
  end

  it("examples/s2_nginx.lua shows the nginx page's title fetched over the veth pair", function()
    if not T.need_sandbox() then return end
    local r = T.run({ "examples/s2_nginx.lua" })
    assert.equal(0, r.code, r.out .. r.err)
    assert.matches("\npage title from 10%.200%.0%.3: Welcome to nginx!\n", r.out)
  end)

  it("each say at the top whether they use primitives or a topology", function()
    local steps, topos = 0, 0
    for _, file in ipairs(examples) do
      local head = T.slurp(file):sub(1, 600)
      if head:find("step by step", 1, true) then steps = steps + 1 end
      if head:find("topology description", 1, true) then topos = topos + 1 end
    end
    assert.is_true(steps >= 1 and topos >= 1)
    assert.equal(#examples, steps + topos)
  end)
end)
