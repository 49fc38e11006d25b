-- nsl-cni's etcd store (lua/nsl/cni/store_etcd.lua) against a real etcd
-- (Debian's etcd-server, 3.4) started on the sandbox's loopback, and the
-- tcp_request primitive it talks through.  Pending where etcd is absent.
local T = require "spec.support.util"
local core = require "nsl.core"

local ETCD = "/usr/bin/etcd"
local CLIENT, PEER = "127.0.0.1:23790", "127.0.0.1:23800"
local URL = "etcd://" .. CLIENT

local function have_etcd()
  local f = io.open(ETCD)
  if f then f:close() end
  return f ~= nil
end

-- Starts etcd with its data in dir; returns its process handle once it
-- answers (raises after 20 s).
local function start_etcd(dir)
  local h = core.spawn({ ETCD, "--name", "spec", "--data-dir", dir .. "/data",
    "--listen-client-urls", "http://" .. CLIENT, "--advertise-client-urls", "http://" .. CLIENT,
    "--listen-peer-urls", "http://" .. PEER, "--initial-advertise-peer-urls", "http://" .. PEER,
    "--initial-cluster", "spec=http://" .. PEER }, { background = true, log = dir .. "/etcd.log" })
  local s = require("nsl.cni.store_etcd").open(URL)
  local t0 = core.now()
  while not s:status() do
    if core.now() - t0 > 20 or not h:running() then
      pcall(h.kill, h, "KILL")
      error("etcd did not start: " .. T.slurp(dir .. "/etcd.log"):sub(-800))
    end
    core.sleep(0.05)
  end
  return h
end

local function stop_etcd(h)
  if h and h:running() then
    h:kill("TERM")
    h:wait()
  end
end

describe("tcp_request #netns", function()
  it("rejects a bad address and names a refused connection", function()
    if not T.need_sandbox() then return end
    T.nsl_error(function() core.tcp_request("x:1", "") end,
      "tcp_request: x:1: not an IPv4 or IPv6 address")
    local ok, err = pcall(core.tcp_request, "127.0.0.1:23999", "hello")
    assert.is_false(ok)
    assert.equal("tcp_request: 127.0.0.1:23999: Connection refused", tostring(err))
    assert.equal("ECONNREFUSED", err.code)
    T.nsl_error(function() core.tcp_request("127.0.0.1:1", "", { timout = 1 }) end,
      "tcp_request: unknown option 'timout' (did you mean 'timeout'?)")
  end)

  it("stops at the deadline when the peer never answers", function()
    if not T.need_sandbox() then return end
    local srv <close> = core.listen("tcp", "127.0.0.1:23998") -- luacheck: ignore 211 (held open, never read)
    local t0 = core.now()
    local ok, err = pcall(core.tcp_request, "127.0.0.1:23998", "GET / HTTP/1.0\r\n\r\n", { timeout = 0.3 })
    local took = core.now() - t0
    assert.is_false(ok)
    assert.equal("tcp_request: 127.0.0.1:23998: Connection timed out", tostring(err))
    assert.equal("ETIMEDOUT", err.code)
    assert.is_true(took >= 0.29 and took < 2, "took " .. took)
  end)

  it("returns an HTTP answer once its Content-Length is in, though the peer keeps the connection", function()
    if not T.need_sandbox() then return end
    if not io.open("/usr/bin/socat") then pending("socat is not installed (make deps)") return end
    local d, h = T.tmpdir(), nil
    -- one finally: busted keeps only the last one a test gives
    finally(function()
      if h and h:running() then h:kill("KILL") h:wait() end
      T.rm(d)
    end)
    T.write(d .. "/answer", "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello")
    h = core.spawn({ "socat", "TCP-LISTEN:23997,bind=127.0.0.1,reuseaddr",
      "SYSTEM:cat " .. d .. "/answer; sleep 30" }, { background = true })
    local t0, out = core.now(), nil
    repeat
      local ok, r = pcall(core.tcp_request, "127.0.0.1:23997", "GET / HTTP/1.1\r\n\r\n", { timeout = 5 })
      if ok then out = r else core.sleep(0.05) end
    until out or core.now() - t0 > 5
    assert.equal("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello", out)
    assert.is_true(core.now() - t0 < 4, "waited for the peer to close")
  end)
end)

describe("nsl-cni's etcd store #netns #cni", function()
  local dir, etcd, s

  local function needs()
    if not T.need_sandbox() then return false end
    if not have_etcd() then pending("etcd is not installed (Debian's etcd-server: make check installs it)") return false end
    if not etcd then
      dir = T.tmpdir()
      etcd = start_etcd(dir)
      s = require("nsl.cni.store_etcd").open(URL .. "/spec")
    end
    return true
  end

  teardown(function()
    stop_etcd(etcd)
    T.rm(dir)
  end)

  it("gets, creates, replaces, lists and deletes keys", function()
    if not needs() then return end
    assert.same({ nil, 0 }, { s:get("a/x") })
    assert.is_true(s:cas("a/x", 0, "one"))
    assert.is_false(s:cas("a/x", 0, "again"), "a create-only cas on an existing key")
    local v, rev = s:get("a/x")
    assert.equal("one", v)
    assert.is_true(math.type(rev) == "integer" and rev > 0)
    assert.is_true(s:cas("a/x", rev, "two"))
    assert.is_false(s:cas("a/x", rev, "three"), "a cas on a stale revision")
    local v2, rev2 = s:get("a/x")
    assert.equal("two", v2)
    assert.is_true(rev2 > rev)
    local bin = "\0\1\255 {\"json\": true}\n" .. ("z"):rep(3000)
    s:put("a/y", bin)
    s:put("a/", "the bare prefix")
    s:put("b/z", "elsewhere")
    assert.same({ ["a/x"] = "two", ["a/y"] = bin, ["a/"] = "the bare prefix" }, s:list("a/"))
    s:del("a/x")
    s:del("a/x")	-- idempotent
    assert.same({ nil, 0 }, { s:get("a/x") })
    assert.is_true(s:cas("a/x", 0, "back"), "a deleted key can be created again")
    -- the URL's path is a prefix: a store without it sees the full keys
    local raw = require("nsl.cni.store_etcd").open(URL)
    assert.equal("elsewhere", (raw:get("/spec/b/z")))
    assert.is_nil(raw:get("b/z"))
  end)

  it("lets one of two cas on the same revision win", function()
    if not needs() then return end
    s:put("race/one", "0")
    local _, rev = s:get("race/one")
    local a, b = s:cas("race/one", rev, "a"), s:cas("race/one", rev, "b")
    assert.same({ true, false }, { a, b })
    assert.equal("a", (s:get("race/one")))
  end)

  it("counts right when four processes increment one key by cas", function()
    if not needs() then return end
    local path, sdir = T.script([[
      local s = require("nsl.cni.store_etcd").open("]] .. URL .. [[/spec")
      local lost = 0
      for _ = 1, 25 do
        while true do
          local v, rev = s:get("race/counter")
          if s:cas("race/counter", rev, tostring((tonumber(v) or 0) + 1)) then break end
          lost = lost + 1
        end
      end
      print(lost)
    ]])
    finally(function() T.rm(sdir) end)
    local hs = {}
    for i = 1, 4 do
      hs[i] = core.spawn({ T.nsl, path }, { background = true, log = sdir .. "/out" .. i })
    end
    local lost = 0
    for i = 1, 4 do
      local r = hs[i]:wait()
      assert.equal(0, r.code or r.status or 0, T.slurp(sdir .. "/out" .. i))
      lost = lost + (tonumber(T.slurp(sdir .. "/out" .. i):match("(%d+)%s*$")) or 0)
    end
    assert.equal("100", (s:get("race/counter")))
    print(("  (4 x 25 increments, %d cas lost and retried)"):format(lost))
  end)

  it("says why when etcd is down, and raises naming the store, the call and the key", function()
    if not needs() then return end
    local down = require("nsl.cni.store_etcd").open("etcd://127.0.0.1:23991")
    local ok, why = down:status()
    assert.is_nil(ok)
    assert.equal("store: etcd://127.0.0.1:23991: status: Connection refused", why)
    local gok, err = pcall(down.get, down, "k")
    assert.is_false(gok)
    assert.equal("store: etcd://127.0.0.1:23991: get k: Connection refused", err)
    assert.is_true((s:status()))
    -- an HTTP error: its status and etcd's words, on one line
    local cok, cerr = pcall(s.call, s, "/v3/kv/nosuch", {}, "get", "k")
    assert.is_false(cok)
    assert.equal("store: " .. URL .. "/spec: get k: HTTP 404: Not Found", cerr)
    cok, cerr = pcall(s.call, s, "/v3/kv/range", { key = "!" }, "get", "k")
    assert.is_false(cok)
    assert.equal("store: " .. URL .. "/spec: get k: HTTP 400: illegal base64 data at input byte 0", cerr)
  end)

  it("carries nsl-cni's ADD and DEL: a veth between two pods, its records in etcd, all gone after DEL", function()
    if not needs() then return end
    local cni = T.nsl:gsub("nsl([^/]*)$", "nsl-cni%1")
    local f = io.open(cni)
    if not f then pending("no nsl-cni beside " .. T.nsl .. " (make builds it)") return end
    f:close()
    local d = T.tmpdir()
    T.write(d .. "/topo.lua", [[return { namespaces = { "r1", "r2" },
      links = { { "r1:eth1", "r2:eth1", subnet = { "10.77.2.0/30" } } } }]])
    core.ns_add("etcdp1")
    core.ns_add("etcdp2")
    finally(function()
      for _, n in ipairs({ "etcdp1", "etcdp2" }) do pcall(core.ns_del, n) end
      T.rm(d)
    end)
    local conf = ('{"cniVersion":"1.0.0","name":"e","type":"nsl-cni","lab":"et","store":"%s/cni",'
      .. '"topology":"%s/topo.lua","host":"h1"}'):format(URL, d)
    local function plugin(cmd, i)
      return T.sh(("env CNI_COMMAND=%s CNI_CONTAINERID=c%d CNI_NETNS=/run/netns/etcdp%d CNI_IFNAME=eth0 "
        .. "CNI_ARGS='IgnoreUnknown=1;K8S_POD_NAME=r%d' CNI_PATH=/nonexistent %s"):format(cmd, i, i, i, T.quote(cni)),
        { stdin = conf })
    end
    for i = 1, 2 do
      local r = plugin("ADD", i)
      assert.equal(0, r.code, r.out .. r.err)
    end
    local l = core.link_get("eth1", { ns = "etcdp1" })
    assert.equal("veth", l.kind)
    assert.equal("eth1", l.peer)
    local p = T.sh("ip netns exec etcdp1 ping -c1 -W2 10.77.2.2")
    assert.equal(0, p.code, p.out .. p.err)
    local cs = require("nsl.cni.store_etcd").open(URL .. "/cni")
    local att = cs:list("et/att/")
    assert.truthy(att["et/att/r1"] and att["et/att/r2"], "no attachment records in etcd")
    for i = 1, 2 do
      local r = plugin("DEL", i)
      assert.equal(0, r.code, r.out .. r.err)
    end
    assert.is_false(core.link_exists("eth1", { ns = "etcdp1" }))
    assert.is_false(core.link_exists("eth1", { ns = "etcdp2" }))
    assert.same({}, cs:list("et/att/"))
    assert.same({}, cs:list("et/cid/"))
  end)

  it("refuses a URL it cannot use", function()
    if not needs() then return end
    local E = require "nsl.cni.store_etcd"
    for url, msg in pairs({
      ["etcd://127.0.0.1"] = "etcd://HOST:PORT expected (a port is needed)",
      ["etcd://etcd.example:2379"] = "'etcd.example': a numeric address expected (names are not resolved)",
      ["http://127.0.0.1:2379"] = "etcd://HOST:PORT expected",
    }) do
      local ok, err = pcall(E.open, url)
      assert.is_false(ok)
      assert.equal("store: " .. url .. ": " .. msg, err)
    end
    assert.equal("127.0.0.1:2379", E.open("etcd://localhost:2379").addr)
    assert.equal("[::1]:2379", E.open("etcd://[::1]:2379/x/").addr)
    -- nsl-cni opens its store through nsl.cni.store, which dispatches here
    local via = require("nsl.cni.store").open(URL .. "/spec")
    via:put("via/store", "yes")
    assert.equal("yes", (s:get("via/store")))
    assert.is_true((via:status()))
  end)
end)
