-- The FRR example (examples/frr/ring_spec.lua) run as its users would,
-- and nothing of FRR left on the host afterwards: no file under /run/frr
-- or /etc/frr, no daemon, whatever the ending (the end, an error, a
-- signal, SIGKILL + nsl --clean).
local T = require "spec.support.util"

local FRR = "/usr/lib/frr/"

local function needs()
  if not T.need_sandbox() then return false end
  if not io.open(FRR .. "ospf6d") then
    pending("frr is not installed (make deps-frr)")
    return false
  end
  return true
end

-- What FRR could leave on the host: the files under /run/frr and
-- /etc/frr (name, size, checksum) and its daemons.
local function host()
  return T.sh("find /run/frr /etc/frr -exec sh -c 'echo \"$1\"; [ -f \"$1\" ] && md5sum < \"$1\"' _ {} \\; " ..
    "2>/dev/null; pgrep -a -f '^" .. FRR .. "' || true; ls -A /run/nsl/mnt 2>/dev/null || true").out
end

-- One router with its files, zebra and ospfd, and `extra` services.
local function script(extra, after)
  return [[
    local conf = "hostname r1\nrouter ospf\n network 0.0.0.0/0 area 0\n"
    local frr = { owner = "frr", group = "frr" }
    local services = {
      zebra = { ns = "r1", cmd = { "]] .. FRR .. [[zebra", "-f", "/etc/frr/frr.conf" },
                ready = { unix = "/var/run/frr/zserv.api" } },
      ospfd = { ns = "r1", cmd = { "]] .. FRR .. [[ospfd", "-f", "/etc/frr/frr.conf" }, after = "zebra",
                ready = { unix = "/var/run/frr/ospfd.vty" } } }
    ]] .. (extra or "") .. [[
    local t <close> = nsl.topology { prefix = "frr-", services = services, links = { { "r1", "host" } },
      namespaces = { r1 = { private = { ["/var/run/frr"] = frr, ["/var/lib/frr"] = frr },
                            files = { ["/etc/frr/frr.conf"] = { content = conf, owner = "frr", mode = "0640" } } } } }
    t:up()
    print("up"); io.stdout:flush()
    ]] .. (after or "")
end

describe("FRR in nodes #netns #frr", function()
  local before, dir
  before_each(function() before = host() end)
  after_each(function() T.rm(dir); dir = nil end)

  it("the ring example converges, reroutes and restarts, then leaves nothing", function()
    if not needs() then return end
    if not T.full() then pending("the OSPF ring takes about 30 s to converge and reconverge: make check-full runs it") return end
    local r = T.sh("busted --lua=" .. T.quote(T.nsl) .. " examples/frr/ring_spec.lua")
    assert.equal(0, r.code, r.out .. r.err)
    assert.matches("3 passed, 0 failed", r.out, 1, true)
    assert.equal(before, host())
  end)

  it("leaves nothing after its end and after an error", function()
    if not needs() then return end
    local r = T.run_script(script(nil, [[
      assert(t:exec("r1", { "sh", "-c", "test -S /var/run/frr/zserv.api && grep -q r1 /etc/frr/frr.conf" }).ok)]]))
    assert.equal(0, r.code, r.err)
    assert.equal(before, host())
    r = T.run_script(script([[services.broken = { ns = "r1", cmd = { "sh", "-c", "echo no such config >&2; exit 1" },
      after = "ospfd", ready = { unix = "/var/run/frr/none" } }]]))
    assert.equal(1, r.code)
    assert.matches("service broken: ready: exited with status 1 before it was ready", r.err, 1, true)
    assert.equal(before, host())
  end)

  for _, sig in ipairs({ "TERM", "KILL" }) do
    it("leaves nothing after SIG" .. sig .. (sig == "KILL" and " and nsl --clean" or ""), function()
      if not needs() then return end
      local path
      path, dir = T.script(script(nil, "sleep(60)"))
      local r = T.sh(T.quote(T.nsl) .. " " .. T.quote(path) .. " > " .. dir .. "/out & pid=$!; " ..
        "for i in $(seq 200); do grep -qs up " .. dir .. "/out && break; sleep 0.05; done; " ..
        "pgrep -f '^" .. FRR .. "ospfd' >/dev/null && echo running; kill -" .. sig .. " $pid; wait $pid")
      assert.equal(sig == "KILL" and 137 or 143, r.code, r.err)
      assert.equal("running\n", r.out)
      if sig == "KILL" then
        r = T.run({ "--clean" })
        assert.equal(0, r.code, r.err)
        assert.matches("mount namespace /run/nsl/mnt/frr-r1", r.out .. r.err, 1, true)
      end
      assert.equal(before, host())
    end)
  end
end)
