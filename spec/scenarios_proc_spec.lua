-- S2: nginx inside an isolated network namespace, run by a script as a
-- background process, reached from inside and (over a veth) from the
-- host, and gone when the script ends or is killed.
local T = require "spec.support.util"

local NS = "direct_netns"

-- An nginx prefix in a temporary directory: config, page, pid, logs.
local NG = require "spec.support.nginx"
local function nginx_dir()
  local dir = T.tmpdir()
  NG.setup(dir)
  return dir
end
local nginx_cmd = NG.cmd

-- Our nginx processes (never the host's: the sandbox shares its PIDs).
local function nginx_left(dir)
  return T.sh("pgrep -f " .. T.quote(dir .. "/nginx[.]conf")).out
end

local function zombies()
  return T.sh("ps -e -o stat=,comm= | grep '^Z.*nginx' || true").out
end

local function has_tools()
  return T.sh("command -v nginx && command -v curl").code == 0
end

describe("S2: nginx in a network namespace #netns", function()
  local dir

  -- What this scenario needs; marks the test pending when it is missing.
  local function ready()
    if not T.sandboxed() then pending("needs the sandbox: run make check") return false end
    if not has_tools() then pending("nginx and curl are needed (make deps installs them)") return false end
    return true
  end

  before_each(function()
    if not (T.sandboxed() and has_tools()) then return end
    dir = nginx_dir()
    assert.equal(0, T.sh("ip netns add " .. NS .. " && ip -n " .. NS .. " link set lo up").code)
  end)

  after_each(function()
    if not dir then return end
    T.sh("pkill -f " .. T.quote(dir .. "/nginx[.]conf") .. "; ip link del veth0 2>/dev/null; ip netns del " .. NS ..
         "; rm -rf /etc/netns/" .. NS)
    T.rm(dir)
    dir = nil
  end)

  it("serves inside, is refused on the host, is reached over a veth, and stops", function()
    if not ready() then return end
    local nginx = ns_exec(NS, nginx_cmd(dir), { background = true, capture = true })
    -- inside: curl 127.0.0.1 gets the page (once nginx listens)
    local page
    for _ = 1, 250 do
      local r = ns_exec(NS, { "curl", "-s", "http://127.0.0.1/" }, { capture = true })
      if r.code == 0 then page = r.stdout break end
      assert.is_true(nginx:running(), select(2, nginx:output()))
      sleep(0.02)
    end
    assert.equal("hello from direct_netns\n", page)
    -- the host's loopback is another stack: refused
    local host = T.sh("curl -s http://127.0.0.1/")
    assert.equal(7, host.code) -- curl: could not connect

    -- a veth pair: 10.200.0.2 on the host, 10.200.0.3 inside
    assert.equal(0, T.sh("ip link add veth0 type veth peer name veth1 && " ..
      "ip link set veth1 netns " .. NS .. " && " ..
      "ip addr add 10.200.0.2/24 dev veth0 && ip link set veth0 up && " ..
      "ip -n " .. NS .. " addr add 10.200.0.3/24 dev veth1 && ip -n " .. NS .. " link set veth1 up").code)
    assert.equal(0, T.sh("ping -c1 -W2 10.200.0.3").code)
    assert.equal(0, ns_exec(NS, { "ping", "-c1", "-W2", "10.200.0.2" }, { capture = true }).code)
    local r = T.sh("curl -s --max-time 5 http://10.200.0.3/")
    assert.equal(0, r.code)
    assert.equal("hello from direct_netns\n", r.out)

    -- per-namespace /etc files
    T.sh("mkdir -p /etc/netns/" .. NS)
    T.write("/etc/netns/" .. NS .. "/resolv.conf", "nameserver 10.200.0.2\n")
    assert.equal("nameserver 10.200.0.2\n",
      ns_exec(NS, { "cat", "/etc/resolv.conf" }, { capture = true }).stdout)

    -- stop nginx: the master and its worker go, nothing is left
    assert.is_true(nginx:kill("TERM"))
    local res = nginx:wait(10)
    assert.is_table(res)
    assert.equal(0, res.code)
    assert.equal("", nginx_left(dir))
    assert.equal("", zombies())
  end)

  it("is stopped when the script is killed with SIGTERM: no nginx, no zombie", function()
    if not ready() then return end
    local script, sdir = T.script(([[
      local r
      local nginx = ns_exec(%q, %s, { background = true })
      for _ = 1, 250 do
        r = ns_exec(%q, { "curl", "-s", "http://127.0.0.1/" }, { capture = true })
        if r.code == 0 then break end
        sleep(0.02)
      end
      io.write(r.stdout, "ready\n"); io.stdout:flush()
      sleep(100)
    ]]):format(NS, "{" .. table.concat((function()
        local q = {}
        for _, a in ipairs(nginx_cmd(dir)) do q[#q + 1] = string.format("%q", a) end
        return q
      end)(), ", ") .. "}", NS))
    finally(function() T.rm(sdir) end)
    local h = spawn({ T.nsl, script }, { background = true, capture = true })
    local out = ""
    for _ = 1, 500 do
      out = h:output()
      if out:match("ready") then break end
      sleep(0.02)
    end
    assert.equal("hello from direct_netns\nready\n", out)
    assert.not_equal("", nginx_left(dir))
    T.sh("kill -TERM " .. h.pid)
    local r = h:wait(10)
    assert.is_table(r, "nsl did not end after SIGTERM")
    assert.equal("TERM", r.signal) -- nsl died of the signal, after its cleanup
    assert.equal("", nginx_left(dir))
    assert.equal("", zombies())
  end)
end)
