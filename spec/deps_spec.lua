-- What make check, make demo and make bench install on a fresh machine
-- (Makefile: ensure-deps hands the missing packages of a set to deps).
-- Nothing is installed here: make -n shows the sets, and a stand-in for
-- the inner make shows what ensure-deps hands over.  .ci/ensure-deps-check
-- installs two real packages in CI.
local T = require "spec.support.util"

-- The packages ensure-deps checks for each target, as sets: make -n
-- prints its loop over them, once per target, in order.  (make -n still
-- runs a recipe that calls make: a stand-in dpkg-query on PATH says
-- every package is installed, at once.)
local function sets_of(...)
  local dir = T.tmpdir()
  finally(function() T.rm(dir) end)
  T.write(dir .. "/dpkg-query", "#!/bin/sh\necho 'install ok installed'\n")
  assert.equal(0, T.sh("chmod +x " .. T.quote(dir .. "/dpkg-query")).code)
  local r = T.sh("PATH=" .. T.quote(dir) .. ":$PATH make -n --no-print-directory " .. table.concat({ ... }, " "))
  local sets = {}
  for list in r.out:gmatch("for p in ([^;]*);") do
    local set = {}
    for p in list:gmatch("%S+") do set[p] = true end
    sets[#sets + 1] = set
  end
  assert.equal(select("#", ...), #sets, "make -n shows no ensure-deps for each target: " .. r.out .. r.err)
  return table.unpack(sets)
end

local function debian()
  if T.sh("command -v dpkg-query").code ~= 0 then
    pending("not a Debian machine: ensure-deps does nothing without dpkg-query")
    return false
  end
  return true
end

describe("the packages make installs #unit", function()
  it("keeps the bench set (Mininet, pyroute2) out of make check and make demo", function()
    if not debian() then return end
    local check, demo, bench = sets_of("check", "demo", "bench")
    for _, p in ipairs({ "mininet", "python3-pyroute2" }) do
      assert.is_nil(check[p], "make check installs " .. p)
      assert.is_nil(demo[p], "make demo installs " .. p)
      assert.is_true(bench[p], "make bench does not install " .. p)
    end
    -- make check runs the examples too: it needs all that make demo does
    for p in pairs(demo) do assert.is_true(check[p], "make check lacks " .. p .. " of make demo") end
  end)

  it("hands every missing package to one install, on one line", function()
    if not debian() then return end
    local dir = T.tmpdir()
    finally(function() T.rm(dir) end)
    -- the inner make (deps, which calls apt-get) is a stand-in that notes
    -- its arguments, one per record
    T.write(dir .. "/make", "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\036' \"$a\"; done >> " ..
      T.quote(dir .. "/calls") .. "\necho >> " .. T.quote(dir .. "/calls") .. "\n")
    assert.equal(0, T.sh("chmod +x " .. T.quote(dir .. "/make")).code)
    local r = T.sh("make --no-print-directory ensure-deps MAKE=" .. T.quote(dir .. "/make") ..
      " NEED='nsl-spec-none-a nsl-spec-none-b'")
    assert.equal(0, r.code, r.out .. r.err)
    assert.equal("make: installing nsl-spec-none-a nsl-spec-none-b\n", r.out)
    local calls = {}
    for line in (T.slurp(dir .. "/calls") or ""):gmatch("[^\n]+") do calls[#calls + 1] = line end
    assert.same({ "--no-print-directory\030deps\030WANT=nsl-spec-none-a nsl-spec-none-b\030" }, calls)
  end)

  it("installs nothing when nothing is missing", function()
    if not debian() then return end
    local r = T.sh("make --no-print-directory ensure-deps NEED='dpkg coreutils' MAKE=false")
    assert.equal(0, r.code, r.err)
    assert.equal("", r.out)
  end)
end)
