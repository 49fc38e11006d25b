-- Trust across users and runs: another user's folder in a shared TMPDIR,
-- another run's namespaces, an artifacts folder that cannot be written,
-- a teardown that fails at the end of a script.  Bystanders are made by
-- ip or by a child process, inside the sandbox.
local T = require "spec.support.util"
local N = require "spec.support.net"
local core = require "nsl.core"

describe("mkdtemp #unit", function()
  local dir
  before_each(function() dir = T.tmpdir() end)
  after_each(function() T.rm(dir) end)

  it("makes a new 0700 directory from a prefix or a template", function()
    local a = mkdtemp(dir .. "/p-")
    assert.matches("^" .. dir:gsub("%p", "%%%0") .. "/p%-%w%w%w%w%w%w$", a)
    local b = mkdtemp(dir .. "/qXXXXXX")
    assert.matches("/q%w%w%w%w%w%w$", b)
    assert.are_not.equal(b, dir .. "/qXXXXXX")
    for _, d in ipairs({ a, b }) do
      assert.equal("700 directory\n", T.sh("stat -c '%a %F' " .. T.quote(d)).out)
    end
  end)

  it("says what is wrong, naming the call and the template", function()
    T.nsl_error(function() mkdtemp("") end, "mkdtemp: : an empty prefix")
    T.nsl_error(function() mkdtemp("a\0b") end, "mkdtemp: a\\0b: contains a NUL byte")
    local e = N.err(mkdtemp, dir .. "/none/x-")
    assert.equal("mkdtemp: " .. dir .. "/none/x-: No such file or directory", tostring(e))
    assert.equal("ENOENT", e.code)
    T.arg_error(function() mkdtemp({}) end, 1, "mkdtemp", "string expected, got table")
  end)
end)

describe("nsl.test's private folder #netns", function()
  local dir
  before_each(function() dir = T.tmpdir() end)
  after_each(function() T.rm(dir) end)

  it("is never a folder someone made beforehand under the name it would take", function()
    if not T.need_sandbox() then return end
    -- Another user made the name nsl.test used to take (nsl-test-<prefix
    -- without its dash>), and the names one character longer: a lure.
    local old = dir .. "/nsl-test-wtr0ab"
    assert.equal(0, T.sh("mkdir " .. T.quote(old) .. " " .. T.quote(old .. "-") ..
      " && chown 65534:65534 " .. T.quote(old) .. " " .. T.quote(old .. "-") ..
      " && chmod 0777 " .. T.quote(old) .. " " .. T.quote(old .. "-")).code)
    local r = T.run({ "-e", 'io.write(require("nsl.test.artifacts").tmpdir("wtr0ab-"))' },
      { env = { TMPDIR = dir } })
    assert.equal(0, r.code, r.err)
    local got = r.out
    assert.are_not.equal(old, got)
    assert.are_not.equal(old .. "-", got)
    assert.matches("^" .. dir:gsub("%p", "%%%0") .. "/nsl%-test%-wtr0ab%-%w%w%w%w%w%w$", got)
    assert.equal("700 0 directory\n", T.sh("stat -c '%a %u %F' " .. T.quote(got)).out)
    -- the test's folder goes after it; the bystander's are left as they were
    require("nsl.test.artifacts").cleanup({ dir = got })
    assert.is_nil(core._stat(got))
    assert.equal("777 65534\n777 65534\n", T.sh("stat -c '%a %u' " .. T.quote(old) .. " " .. T.quote(old .. "-")).out)
  end)
end)
