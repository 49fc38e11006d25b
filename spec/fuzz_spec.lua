-- A bounded fuzz over every registered primitive (enumerated from
-- require "nsl.core") and over nsl.topology descriptions: random types,
-- sizes, NUL bytes, huge numbers, unknown option keys, bad CIDRs.  Each
-- batch runs in a child nsl, so a crash shows as a signal exit; the child
-- reports every error that does not begin with the name of the call made.
-- Seeded (NSL_FUZZ_SEED overrides) and bounded: a few seconds in all.
-- make asan runs it under AddressSanitizer with the rest of the suite.
local T = require "spec.support.util"
local N = require "spec.support.net"

local child = [=[
local seed, count = tonumber(arg[1]), tonumber(arg[2])
math.randomseed(seed)
local core = require "nsl.core"
local R = math.random

-- sleep gets no long duration (it could sleep for ever).  Numbers that
-- could name a host process are kept from the arguments that take a pid
-- (link_set_ns moves a link there, pid_exec enters it): the sandbox has
-- no PID namespace of its own.
local skip = {}
local safe_pid = { link_set_ns = 2, pid_exec = 1 }

local strings = { "", "lo", "fz0", "fz1", "fzbr", "a\0b", "lo\0x", ("x"):rep(16),
  ("x"):rep(256), ("y"):rep(5000), "ëth0", "a b", "/", ".", "..", "a:b",
  "10.1.1.1/24", "10.1.1.1/33", "10.1.1.1/24\0junk", "300.1.1.1", "::1/129",
  "fd00::1/64", "fd00::1", "default", "all", "main", "inet", "inet6", "ipx",
  "net.ipv4.ip_forward", "net/../../etc/passwd", "02:00:00:00:00:01", "zz:zz",
  "bridge", "true", "%s%n%d", "\255\254" }
local numbers = { 0, -1, 1, 2, 5, 4094, 4095, 65535, 65536, 1 << 24, 2^31,
  2^53, math.maxinteger, math.mininteger, 1.5, -0.0, 1/0, -1/0, 0/0 }
local function pick(t) return t[R(#t)] end

local value
local function opts_for(name)
  local d = core._options[name] or { arg = 0, keys = { "prefix", "namespaces", "links" } }
  local o = {}
  for _ = 1, R(0, 4) do
    local key
    local k = R(10)
    if k <= 6 and #d.keys > 0 then key = pick(d.keys)
    elseif k <= 8 then key = pick(d.keys) and pick(d.keys) .. "x" or "bogus"
    elseif k == 9 then key = R(3)
    else key = pick(strings) end
    o[key] = value(name, 1)
  end
  return o
end

function value(name, depth)
  local k = R(depth > 1 and 6 or 8)
  if k == 1 then return nil
  elseif k == 2 then return R(2) == 1
  elseif k <= 4 then return pick(strings)
  elseif k == 5 then return pick(numbers)
  elseif k == 6 then return ({ print, io.stdout, coroutine.create(print) })[R(3)]
  elseif k == 7 then return opts_for(name)
  else
    local t = {}
    for i = 1, R(0, 3) do t[i] = value(name, depth + 1) end
    return t
  end
end

local names = {}
for name, f in pairs(core) do
  if type(f) == "function" and name:sub(1, 1) ~= "_" and not skip[name] then
    names[#names + 1] = name
  end
end
table.sort(names)

local bad, calls = 0, 0
local function check(name, ok, err)
  if ok then return end
  local msg = tostring(err)
  if msg:sub(1, #name + 2) == name .. ": " then return end
  if msg:match("^bad argument #%d+ to '[%w_.]*" .. name .. "'") then return end
  bad = bad + 1
  print(("%s: error does not name the call: %q"):format(name, msg))
end

-- Plausible positional arguments for name (so that calls get past the
-- type checks into the option readers, the parsers and the kernel): each
-- position starts as a string and tries a number, then a command table,
-- when the primitive says it wants another type there.
local plausible = { function() return pick({ "fz0", "fz1", "lo", "10.9.0.1/24", "default" }) end,
  function() return pick({ 1, 5, 100, 4094 }) end, function() return { "nsl-fuzz-no-such-command" } end }
local kinds = {}
local function plausible_args(name, n)
  local k = kinds[name] or {}
  kinds[name] = k
  local args = {}
  for i = 1, n do args[i] = plausible[k[i] or 1]() end
  return args, k
end

for _ = 1, count do
  local name = pick(names)
  local d = core._options[name]
  local n = math.max(d.arg, 3)
  local args, k = {}, nil
  if R(2) == 1 then args, k = plausible_args(name, math.max(d.arg - 1, 0)) end
  for i = k and math.max(d.arg, 1) or 1, k and n or R(0, n) do
    args[i] = value(name, 1)
    if safe_pid[name] == i and type(args[i]) == "number" then args[i] = pick({ 0, -1, 2^40, 1.5 }) end
  end
  if d.arg > 0 and R(2) == 1 then args[d.arg] = opts_for(name) end
  -- a process primitive runs only commands that cannot exist
  if name == "ns_exec" or name == "spawn" or name == "pid_exec" then
    local c = name == "spawn" and 1 or 2
    if type(args[c]) == "string" then args[c] = "nsl-fuzz-no-such-command " .. args[c]:gsub("[^%w]", "") end
    if type(args[c]) == "table" then args[c] = { "nsl-fuzz-no-such-command" } end
  end
  if name == "sleep" then args[1] = pick({ 0, -1, 0.001, "x" }) end
  -- mkdtemp makes what it is asked to: only below the batch's own
  -- directory (its working directory, removed after it)
  if name == "mkdtemp" and type(args[1]) == "string" then args[1] = args[1]:gsub("^/+", "") end
  -- link_wait waits 10 s by default for a state that may never come
  -- tcp_request to a silent address would wait its 10 s default the same way
  if name == "link_wait" or name == "tcp_request" then
    if type(args[d.arg]) ~= "table" then args[d.arg] = {} end
    args[d.arg].timeout = pick({ 0, 0.01, -1, 0 / 0, "x" })
  end
  calls = calls + 1
  local ok, err = pcall(core[name], table.unpack(args, 1, n))
  check(name, ok, err)
  -- learn the types of positions for the plausible calls
  local at = not ok and tonumber(tostring(err):match("^bad argument #(%d+)"))
  if k and at and at < d.arg and (k[at] or 1) < #plausible then k[at] = (k[at] or 1) + 1 end
end

-- topology descriptions: random shapes of the real keys, and noise
local tkeys = { "prefix", "namespaces", "bridges", "links", "services", "routes",
  "hostname", "sysctl", "lo", "address", "subnet", "ns", "mtu", "name", "via", "dev",
  "metric", "table", "src", "cmd", "bogus", "namespace" }
local function desc(depth)
  local t = {}
  for _ = 1, R(0, 4) do
    local k = R(3) == 1 and R(3) or pick(tkeys)
    if depth < 3 and R(2) == 1 then t[k] = desc(depth + 1) else t[k] = value("topology", 2) end
  end
  return t
end
for _ = 1, count // 4 do
  local ok, err = pcall(nsl.topology, R(8) == 1 and value("topology", 1) or desc(1))
  if not ok and not tostring(err):match("^topology: ") then
    bad = bad + 1
    print(("topology: error does not name the call: %q"):format(tostring(err)))
  end
end
print(("calls %d bad %d"):format(calls, bad))
]=]

describe("fuzz #netns", function()
  after_each(N.wipe)

  it("random arguments to every primitive and description: no crash, every error names the call", function()
    if not T.need_sandbox() then return end
    local path, dir = T.script(child)
    local seed0 = tonumber(os.getenv("NSL_FUZZ_SEED") or "") or 20261130
    local asan = T.nsl:match("asan") ~= nil
    -- make check: two batches; make check-full: six
    local batches, count = T.full() and 6 or 2, asan and 250 or 500
    local t0 = os.time()
    for b = 1, batches do
      local seed = seed0 + b
      -- a network namespace of its own: what it changes on lo goes with it
      local r = T.sh("cd " .. T.quote(dir) .. " && timeout -s KILL 60 unshare -n " .. T.quote(T.nsl) .. " " .. T.quote(path) ..
        " " .. seed .. " " .. count)
      assert.equal(0, r.code, ("batch with seed %d ended with status %d\n%s%s"):format(seed, r.code, r.out, r.err))
      assert.matches("calls %d+ bad 0\n$", r.out, nil, ("seed %d:\n%s"):format(seed, r.out))
      N.wipe()
    end
    T.rm(dir)
    assert.is_true(os.time() - t0 < 20, "the fuzz took too long")
  end)
end)
