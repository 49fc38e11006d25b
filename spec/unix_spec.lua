-- nsl keeps the conventions of a Unix tool: --version, --help, a man
-- page installed by make install, a --clean that says when it did nothing.
local T = require "spec.support.util"

describe("nsl as a Unix tool #cli", function()
  for _, opt in ipairs({ "--version", "-V" }) do
    it("prints its version with " .. opt .. " and exits 0", function()
      local r = T.run({ opt })
      assert.equal(0, r.code)
      assert.matches("^nsl %d+%.%d+%.%d+ %(Lua 5%.4", r.out)
      assert.equal("", r.err)
    end)
  end

  for _, opt in ipairs({ "--help", "-h" }) do
    it("lists options, subcommands and environment variables with " .. opt .. ", exit 0", function()
      local r = T.run({ opt })
      assert.equal(0, r.code)
      for _, word in ipairs({ "NSL_LUA_DIR", "NSL_HISTORY", "NSL_RUN_DIR", "--version", "--clean",
                              "\n  ls ", "\n  show ", "\n  exec ", "\n  dot ", "\n  up FILE ", "\n  down ",
                              "\n  link ", "\n  impair ", "\n  partition ", "\n  capture " }) do
        assert.truthy(r.out:find(word, 1, true), word .. " is not in --help")
      end
    end)
  end

  it("says 'nothing to clean' when there is nothing", function()
    local dir = T.tmpdir()
    finally(function() T.rm(dir) end)
    local r = T.run({ "--clean" }, { env = { NSL_RUN_DIR = dir } })
    assert.equal(0, r.code, r.err)
    assert.equal("nothing to clean\n", r.out)
  end)

  it("rejects an unknown option of a subcommand and names it", function()
    local r = T.run({ "ls", "--jsn" })
    assert.equal(1, r.code)
    assert.equal("nsl: ls: unknown option '--jsn' (see nsl --help)\n", r.err)
  end)

  it("installs the binary and the man page with make install PREFIX=", function()
    local dir = T.tmpdir()
    finally(function() T.rm(dir) end)
    local r = T.sh("make --no-print-directory install PREFIX=" .. T.quote(dir) .. " NSL=" .. T.quote(T.nsl))
    assert.equal(0, r.code, r.out .. r.err)
    assert.equal(0, T.sh(T.quote(dir .. "/bin/nsl") .. " --version").code)
    local page = T.sh("MANWIDTH=80 man -l " .. T.quote(dir .. "/share/man/man1/nsl.1"))
    assert.equal(0, page.code, page.err)
    for _, word in ipairs({ "NSL_RUN_DIR", "nsl ls", "nsl exec", "nsl dot", "--clean" }) do
      assert.truthy(page.out:find(word, 1, true), word .. " is not in nsl(1)")
    end
  end)
end)
