-- nsl's own memory: no leak, no invalid access, under valgrind.
local T = require "spec.support.util"

describe("nsl under valgrind #valgrind", function()
  local has_valgrind = T.sh("command -v valgrind").code == 0
  local asan = T.nsl:match("asan") ~= nil

  local function check(args, stdin)
    if not has_valgrind then pending("valgrind is not installed (make deps installs it)") return end
    if asan then pending("the ASan build is checked by ASan, not valgrind") return end
    if not T.full() then pending("valgrind is slow: make check-full (or make valgrind) runs it") return end
    local cmd = "valgrind -q --leak-check=full --show-leak-kinds=definite,indirect " ..
      "--errors-for-leak-kinds=definite,indirect --error-exitcode=99 " .. T.quote(T.nsl)
    for _, a in ipairs(args) do cmd = cmd .. " " .. T.quote(a) end
    local r = T.sh(cmd, { stdin = stdin })
    assert.are_not.equal(99, r.code, r.err)
    assert.not_matches("==%d+==", r.err)
    return r
  end

  it("finds nothing in nsl -e 'print(1)'", function()
    local r = check({ "-e", "print(1)" })
    if r then assert.equal("1\n", r.out) end
  end)

  it("finds nothing when a script fails", function()
    local r = check({ "-e", "nsl.fail('ns_add', 'x', 'why', 17)" })
    if r then assert.equal(1, r.code) end
  end)

  it("finds nothing in a REPL session", function()
    local r = check({ "-i" }, "1 + 1\n{ a = { 1, 2 } }\nfor i = 1, 2 do\nend\nx = = 1\n")
    if r then assert.matches("nsl> 2\nnsl> { a = { 1, 2 } }\n", r.out) end
  end)
end)
