-- nft and nft_list (libnftables in-process, per namespace), the socket
-- primitive listen/connect, and exec's fds option.  The `nft`
-- command and `ip` are the independent witnesses.
local T = require "spec.support.util"
local N = require "spec.support.net"
local nsl = require "nsl"

local function nft_cli(args, ns)
  local cmd = (ns and ("ip netns exec " .. T.quote(ns) .. " ") or "") .. "nft " .. args
  return T.sh(cmd)
end

describe("nft #netns", function()
  after_each(function()
    if T.sandboxed() then T.sh("nft delete table inet nsltest 2>/dev/null") end
    N.wipe()
  end)

  it("applies several lines at once, seen by the nft command", function()
    if not N.needs() then return end
    assert.equal("", nsl.nft([[
add table inet nsltest
add chain inet nsltest c { type filter hook input priority 0; }
add rule inet nsltest c tcp dport 9 drop
]]))
    local r = nft_cli("list table inet nsltest")
    assert.equal(0, r.code, r.err)
    assert.matches("tcp dport 9 drop", r.out, 1, true)
  end)

  it("applies nothing of a batch with an error, and names line and column", function()
    if not N.needs() then return end
    local e = N.err(nsl.nft, "add table inet nsltest\nadd chain inet nsltest c\nadd rule inet nsltest c tcp dport 80 drpo\n")
    assert.equal("nft", e.primitive)
    assert.equal("EINVAL", e.code)
    assert.matches("^nft: host: line 3, column %d+: syntax error", tostring(e))
    assert.matches("add rule inet nsltest c tcp dport 80 drpo\n%s*^", e.reason)
    -- a kernel-side refusal (no such chain) in line 2: line 1 is not applied either
    e = N.err(nsl.nft, "add table inet nsltest\nadd rule inet nsltest nochain drop\n")
    assert.matches("line 2, column %d+: .*No such file or directory", e.reason)
    assert.equal("", nft_cli("list ruleset").out:match("nsltest") and "present" or "")
  end)

  it("acts inside a namespace only: a new namespace's ruleset is empty, the root's untouched (S1.5)", function()
    if not N.needs() then return end
    nsl.nft("add table inet nsltest")
    local root = nft_cli("list ruleset").out
    nsl.ns_add("fw1")
    assert.equal("", (nsl.nft_list({ ns = "fw1" })))
    nsl.nft("add table ip inner\nadd chain ip inner c", { ns = "fw1" })
    assert.matches("table ip inner", nft_cli("list ruleset", "fw1").out, 1, true)
    assert.equal(root, nft_cli("list ruleset").out)
    assert.equal(root, (nsl.nft_list()))
  end)

  it("returns the ruleset as text and as a table from its JSON form", function()
    if not N.needs() then return end
    nsl.nft("add table inet nsltest\nadd chain inet nsltest c { type filter hook input priority 0; }")
    local text, doc = nsl.nft_list()
    assert.equal(nft_cli("list ruleset").out, text)
    local found
    for _, o in ipairs(doc.nftables) do
      if o.table and o.table.name == "nsltest" then found = o.table end
    end
    assert.same("inet", found and found.family)
    assert.equal("integer", math.type(found.handle))
  end)

  it("checks commands against an empty ruleset without applying them (check = true)", function()
    if not N.needs() then return end
    assert.equal("", nsl.nft("add table inet nsltest\nadd chain inet nsltest c", { check = true }))
    assert.not_matches("nsltest", nft_cli("list ruleset").out, 1, true)
    local e = N.err(nsl.nft, "add rule inet nsltest c drop", { check = true })
    assert.matches("No such file or directory", e.reason, 1, true)
  end)

  it("shows handles in listings with handles = true, as nft -a", function()
    if not N.needs() then return end
    nsl.nft('add table inet nsltest { comment "mine"; }')
    local out = nsl.nft("list table inet nsltest", { handles = true })
    assert.equal(nft_cli("-a list table inet nsltest").out, out)
    local handle = tonumber(out:match("^table inet nsltest { # handle (%d+)\n"))
    assert.is_not_nil(handle, out)
    assert.not_matches("# handle", nsl.nft("list table inet nsltest"), 1, true)
    nsl.nft("delete table inet handle " .. handle)
    assert.not_matches("nsltest", nft_cli("list ruleset").out, 1, true)
  end)

  it("refuses a namespace that does not exist and a wrong argument", function()
    if not N.needs() then return end
    assert.equal("nft: nosuch: no such network namespace", tostring(N.err(nsl.nft, "list ruleset", { ns = "nosuch" })))
    assert.equal("nft_list: nosuch: no such network namespace", tostring(N.err(nsl.nft_list, { ns = "nosuch" })))
    T.arg_error(function() nsl.nft({}) end, 1, "nft", "string expected, got table")
  end)
end)

describe("listen, connect and fds #netns", function()
  local tmp
  before_each(function() tmp = T.tmpdir() end)
  after_each(function() T.rm(tmp) N.wipe() end)

  it("listens and connects on a UNIX socket at a path; refuses a path too long or with NUL", function()
    local path = tmp .. "/s.sock"
    local srv <close> = nsl.listen("unix", path)
    assert.equal("<socket unix " .. path .. " listening>", tostring(srv))
    local c <close> = nsl.connect("unix", path)
    local a <close> = srv:accept(5)
    c:send("ping\n")
    assert.equal("ping\n", a:recv(100, 5))
    a:send("pong")
    assert.equal("pong", c:recv(100, 5))
    assert.matches("^listen: x+: a path of 1 to 107 bytes, without NUL, expected",
      tostring(N.err(nsl.listen, "unix", ("x"):rep(200))))
    assert.matches("^listen: a\\0b: contains a NUL byte", tostring(N.err(nsl.listen, "unix", "a\0b")))
    assert.matches("^connect: " .. tmp:gsub("%p", "%%%0") .. "/none%.sock: No such file or directory",
      tostring(N.err(nsl.connect, "unix", tmp .. "/none.sock")))
    assert.matches("bad argument #1 to '[%w.]*listen' %(invalid option 'unx'%)", tostring(N.err(nsl.listen, "unx", path)))
  end)

  it("makes a socket inside a namespace that a worker there cannot escape (S1.7)", function()
    if not N.needs() then return end
    nsl.link_set("lo", { up = true })
    nsl.ns_add("jail") -- only lo, and it is down
    local srv <close> = nsl.listen("tcp", "127.0.0.1:18080")
    assert.equal("integer", math.type(srv:fd()))
    local client = nsl.spawn({ "socat", "-u", "TCP:127.0.0.1:18080", "STDOUT" },
      { background = true, capture = true })
    local conn = srv:accept(5)
    assert.is_not_nil(conn)
    local r = nsl.ns_exec("jail", "echo served >&3; exec 3>&-; " ..
      "socat -u /dev/null TCP:127.0.0.1:80 2>&1; socat -u /dev/null TCP:10.1.1.1:80 2>&1",
      { fds = { [3] = conn }, capture = true })
    conn:close()
    assert.equal("served\n", client:wait(5).stdout)
    local _, n = r.stdout:gsub("Network is unreachable", "")
    assert.equal(2, n, r.stdout)
    -- the same from nsl: a socket made inside cannot connect anywhere
    local e = N.err(nsl.connect, "tcp", "127.0.0.1:80", { ns = "jail" })
    assert.equal("ENETUNREACH", e.code)
    assert.equal("connect: 127.0.0.1:80: Network is unreachable", tostring(e))
  end)

  it("places open files at the numbers asked, and nothing else", function()
    if not N.needs() then return end
    local f = assert(io.open(tmp .. "/out", "w"))
    local g = assert(io.open("/dev/null", "r"))
    local r = nsl.spawn({ "sh", "-c", "echo four >&4; ls /proc/self/fd" },
      { fds = { [4] = f, [7] = g }, capture = true })
    f:close()
    assert.equal("four\n", T.slurp(tmp .. "/out"))
    local fds = {}
    for n in r.stdout:gmatch("%d+") do fds[#fds + 1] = tonumber(n) end
    table.sort(fds)
    -- 0 1 2, ours 4 and 7, and the one ls opens to read the directory
    assert.same({ 0, 1, 2, 3, 4, 7 }, fds)
  end)

  it("refuses a closed file, a closed socket, a number below 3 and other values", function()
    local f = assert(io.open("/dev/null"))
    f:close()
    T.nsl_error(function() nsl.spawn({ "true" }, { fds = { [3] = f } }) end,
      "spawn: option 'fds': descriptor 3: the file is closed")
    local s = nsl.listen("tcp", "127.0.0.1:0")
    s:close()
    s:close() -- twice is fine
    T.nsl_error(function() nsl.spawn({ "true" }, { fds = { [3] = s } }) end,
      "spawn: option 'fds': descriptor 3: the socket is closed")
    T.nsl_error(function() nsl.spawn({ "true" }, { fds = { [2] = io.stdout } }) end,
      "spawn: option 'fds': descriptor 2: numbers 3 to 1023 (0, 1, 2 are stdin, stdout, stderr)")
    T.nsl_error(function() nsl.spawn({ "true" }, { fds = { [3] = 5 } }) end,
      "spawn: option 'fds': descriptor 3: an open file (io.open) or an nsl socket expected, got number")
  end)

  it("refuses bad addresses", function()
    assert.equal("listen: 127.0.0.1: expected address:port", tostring(N.err(nsl.listen, "tcp", "127.0.0.1")))
    assert.equal("connect: 1.2.3.4:99999: port must be 0 to 65535",
      tostring(N.err(nsl.connect, "tcp", "1.2.3.4:99999")))
    T.arg_error(function() nsl.listen("sctp", "127.0.0.1:1") end, 1, "listen", "invalid option 'sctp'")
  end)
end)
