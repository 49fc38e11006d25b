-- rule_add, rule_del, rule_list on the real kernel: ip -j rule show and
-- ip -6 -j rule show as the witnesses, and a rule that really steers
-- traffic through a table of its own.
local T = require "spec.support.util"
local N = require "spec.support.net"

-- The rule ip reports in ns with this priority (inet, or inet6 with v6).
local function ip_rule(ns, prio, v6)
  for _, r in ipairs(N.ip((v6 and "-6 " or "") .. "rule show", ns)) do
    if r.priority == prio then return r end
  end
end

local function find(list, prio, family)
  for _, r in ipairs(list) do
    if r.priority == prio and (not family or r.family == family) then return r end
  end
end

describe("rule_add #netns", function()
  after_each(N.wipe)

  it("adds IPv4 and IPv6 rules that ip reports, and rule_list reads them back", function()
    if not N.needs() then return end
    ns_add("ru")
    rule_add({ from = "10.1.0.0/24", table = 100, priority = 100, ns = "ru" })
    rule_add({ to = "fd00:1::/64", table = "main", priority = 101, ns = "ru" })
    rule_add({ from = "10.2.0.0/16", to = "10.3.0.0/16", iif = "lo", table = 4000,
      priority = 102, ns = "ru" })
    rule_add({ fwmark = "0x10/0xff", oif = "lo", action = "blackhole", priority = 103, ns = "ru" })
    rule_add({ fwmark = 7, table = "default", priority = 104, family = "inet6", ns = "ru" })
    local r = ip_rule("ru", 100)
    assert.same({ "10.1.0.0", 24, "100" }, { r.src, r.srclen, r.table })
    r = ip_rule("ru", 101, true)
    assert.same({ "fd00:1::", 64, "main" }, { r.dst, r.dstlen, r.table })
    r = ip_rule("ru", 102)
    assert.same({ "10.2.0.0", "10.3.0.0", "lo", "4000" }, { r.src, r.dst, r.iif, r.table })
    r = ip_rule("ru", 103)
    assert.same({ "0x10", "0xff", "lo", "blackhole" }, { r.fwmark, r.fwmask, r.oif, r.action })
    r = ip_rule("ru", 104, true)
    assert.same({ "0x7", "default" }, { r.fwmark, r.table })

    local list = rule_list({ ns = "ru" })
    assert.equal("nsl.rule_list", getmetatable(list).__name)
    assert.same({ priority = 100, family = "inet", from = "10.1.0.0/24", table = 100, action = "table" },
      find(list, 100))
    assert.same({ priority = 101, family = "inet6", to = "fd00:1::/64", table = 254, action = "table" },
      find(list, 101))
    assert.same({ priority = 102, family = "inet", from = "10.2.0.0/16", to = "10.3.0.0/16",
      iif = "lo", table = 4000, action = "table" }, find(list, 102))
    assert.same({ priority = 103, family = "inet", fwmark = "0x10/0xff", oif = "lo",
      action = "blackhole" }, find(list, 103))
    assert.same({ priority = 104, family = "inet6", fwmark = 7, table = 253, action = "table" },
      find(list, 104))
    -- every rule ip sees, nsl sees, and the families filter
    assert.equal(#N.ip("rule show", "ru") + #N.ip("-6 rule show", "ru"), #list)
    assert.equal(#N.ip("-6 rule show", "ru"), #rule_list({ ns = "ru", family = "inet6" }))
    for _, x in ipairs(rule_list({ ns = "ru", family = "inet" })) do assert.equal("inet", x.family) end
  end)

  it("picks the priority the kernel would, as ip rule add does", function()
    if not N.needs() then return end
    ns_add("ru")
    rule_add({ from = "10.1.0.0/24", table = 100, ns = "ru" })
    assert.is_not_nil(ip_rule("ru", 32765))
    rule_add({ from = "fd00::/64", table = 100, ns = "ru" })
    assert.is_not_nil(ip_rule("ru", 32765, true))
    rule_add({ from = "10.2.0.0/24", table = 100, ns = "ru" })
    assert.equal("10.2.0.0", ip_rule("ru", 32764).src)
  end)

  it("refuses the same rule twice with EEXIST, and rule_del removes it (also by its row)", function()
    if not N.needs() then return end
    ns_add("ru")
    local rule = { from = "10.1.0.0/24", table = 100, priority = 50, ns = "ru" }
    rule_add(rule)
    local e = N.err(rule_add, rule)
    assert.equal("EEXIST", e.code)
    assert.equal("rule_add: 10.1.0.0/24: File exists", tostring(e))
    rule_del(rule)
    assert.is_nil(ip_rule("ru", 50))
    assert.equal("ENOENT", N.err(rule_del, rule).code)
    -- a row of rule_list is rule_del's options
    rule_add({ to = "fd00:2::/64", fwmark = "1/3", table = 300, priority = 51, ns = "ru" })
    local row = find(rule_list({ ns = "ru" }), 51)
    row.ns = "ru"
    rule_del(row)
    assert.is_nil(ip_rule("ru", 51, true))
  end)

  it("steers traffic: a rule sends packets from one source through table 100 and its link", function()
    if not N.needs() then return end
    -- h has two links: to x (main table's way to 10.99.0.1) and to y,
    -- which alone holds 10.99.0.1; only table 100 goes through y.
    for _, n in ipairs({ "h", "x", "y" }) do ns_add(n) link_set("lo", { up = true, ns = n }) end
    veth_add("hx", "xh", { ns = "h", peer_ns = "x" })
    veth_add("hy", "yh", { ns = "h", peer_ns = "y" })
    for _, l in ipairs({ { "hx", "h", "10.1.0.1/24" }, { "xh", "x", "10.1.0.2/24" },
                         { "hy", "h", "10.2.0.1/24" }, { "yh", "y", "10.2.0.2/24" } }) do
      addr_add(l[1], l[3], { ns = l[2] })
      link_set(l[1], { up = true, ns = l[2] })
    end
    addr_add("lo", "10.3.0.1/32", { ns = "h" })
    addr_add("lo", "10.99.0.1/32", { ns = "y" })
    route_add("10.99.0.1/32", { via = "10.1.0.2", ns = "h" })
    route_add("10.99.0.1/32", { via = "10.2.0.2", table = 100, ns = "h" })
    route_add("10.3.0.0/24", { via = "10.2.0.1", ns = "y" })
    route_add("10.3.0.0/24", { via = "10.1.0.1", ns = "x" })
    -- a ping that must fail waits 0.3 s for its reply; one that must pass
    -- sends again each second for up to 3 s (a loaded machine's first
    -- neighbour resolution can outlast one wait)
    local function ping(wait)
      return N.in_ns("h", "ping -c1 " .. (wait and "-W" .. wait or "-w3") .. " -I 10.3.0.1 10.99.0.1").code
    end
    assert.not_equal(0, ping(0.3))	-- main: to x, which has no 10.99.0.1
    rule_add({ from = "10.3.0.1/32", table = 100, priority = 10, ns = "h" })
    local before = N.ip("-s link show yh", "y")[1].stats64.rx.packets
    assert.equal(0, ping())
    assert.is_true(N.ip("-s link show yh", "y")[1].stats64.rx.packets > before)
    rule_del({ from = "10.3.0.1/32", table = 100, priority = 10, ns = "h" })
    assert.not_equal(0, ping(0.3))

    -- the same with IPv6
    for _, l in ipairs({ { "hx", "h", "fd01::1/64" }, { "xh", "x", "fd01::2/64" },
                         { "hy", "h", "fd02::1/64" }, { "yh", "y", "fd02::2/64" },
                         { "lo", "h", "fd03::1/128" }, { "lo", "y", "fd99::1/128" } }) do
      addr_add(l[1], l[3], { ns = l[2], nodad = true })
    end
    route_add("fd99::1/128", { via = "fd01::2", ns = "h" })
    route_add("fd99::1/128", { via = "fd02::2", table = 100, ns = "h" })
    route_add("fd03::/64", { via = "fd02::1", ns = "y" })
    route_add("fd03::/64", { via = "fd01::1", ns = "x" })
    local function ping6(wait)
      return N.in_ns("h", "ping -6 -c1 " .. (wait and "-W" .. wait or "-w3") .. " -I fd03::1 fd99::1").code
    end
    assert.not_equal(0, ping6(0.3))
    rule_add({ from = "fd03::1/128", table = 100, priority = 10, ns = "h" })
    assert.equal(0, ping6())
    rule_del({ from = "fd03::1/128", table = 100, priority = 10, ns = "h" })
    assert.not_equal(0, ping6(0.3))
  end)

  it("refuses bad input with <prim>: <obj>: <reason>", function()
    if not N.needs() then return end
    ns_add("ru")
    local function msg(f, ...)
      local ok, err = pcall(f, ...)
      assert.is_false(ok)
      return tostring(err), type(err) == "table" and err.code
    end
    assert.same({ "rule_add: 10.0.0.0/33: from: prefix length must be 0 to 32", "EINVAL" },
      { msg(rule_add, { from = "10.0.0.0/33", table = 1, ns = "ru" }) })
    assert.equal("rule_add: fd00::/129: to: prefix length must be 0 to 128",
      msg(rule_add, { to = "fd00::/129", table = 1, ns = "ru" }))
    assert.equal("rule_add: 10.0.0.300: from: not an IPv4 or IPv6 address",
      msg(rule_add, { from = "10.0.0.300", table = 1, ns = "ru" }))
    assert.equal("rule_add: fd00::/64: to: not of the rule's family",
      msg(rule_add, { from = "10.0.0.0/8", to = "fd00::/64", table = 1, ns = "ru" }))
    assert.equal("rule_add: 10.0.0.0/8: not of family inet6",
      msg(rule_add, { from = "10.0.0.0/8", family = "inet6", table = 1, ns = "ru" }))
    assert.equal("rule_add: unknown option 'frm' (did you mean 'from'?)",
      msg(rule_add, { frm = "10.0.0.0/8", table = 1, ns = "ru" }))
    assert.equal("rule_add: 10.0.0.0/8: priority must be 0 to 4294967295",
      msg(rule_add, { from = "10.0.0.0/8", table = 1, priority = -1, ns = "ru" }))
    assert.equal("rule_add: rule: priority must be 0 to 4294967295",
      msg(rule_add, { table = 1, priority = 1 << 32, ns = "ru" }))
    assert.equal("rule_add: option 'iif': contains a NUL byte",
      msg(rule_add, { iif = "a\0b", table = 1, ns = "ru" }))
    assert.matches("^rule_add: .*NUL", msg(rule_add, { from = "10.0.0.0/8\0x", table = 1, ns = "ru" }))
    assert.equal("rule_add: nope: no such network namespace",
      msg(rule_add, { table = 1, ns = "nope" }))
    assert.equal("rule_add: mine: unknown table (a number, main, local, default or all)",
      msg(rule_add, { table = "mine", ns = "ru" }))
    assert.equal("rule_add: rule: give table (or action = \"blackhole\", \"unreachable\", \"prohibit\")",
      msg(rule_add, { ns = "ru" }))
    assert.equal("rule_add: 0x1/: fwmark: a number or \"mark/mask\" (0 to 0xffffffff each) expected",
      msg(rule_add, { fwmark = "0x1/", table = 1, ns = "ru" }))
    assert.equal("rule_add: jump: unknown action (table, blackhole, unreachable or prohibit)",
      msg(rule_add, { action = "jump", ns = "ru" }))
    assert.equal("rule_add: blackhole: a rule of action blackhole takes no table",
      msg(rule_add, { action = "blackhole", table = 5, ns = "ru" }))
    assert.equal("rule_del: rule: give what the rule matches (priority, from, to, iif, oif, fwmark, table)",
      msg(rule_del, { ns = "ru" }))
    assert.equal("rule_list: ipx: unknown family (inet or inet6)", msg(rule_list, { family = "ipx" }))
    assert.equal("rule_add: x/y: interface name may not contain '/', ':' or white space",
      msg(rule_add, { oif = "x/y", table = 1, ns = "ru" }))
  end)
end)

describe("rule records #netns", function()
  after_each(function()
    T.sh("while ip rule del priority 4242 2>/dev/null; do :; done")
    N.wipe()
  end)

  it("a failing run deletes the rule it added in the start namespace; a run that ends well keeps it", function()
    if not N.needs() then return end
    local r = T.run({ "-e", 'rule_add({ from = "10.42.0.0/16", table = 42, priority = 4242 }) error("boom")' })
    assert.not_equal(0, r.code)
    assert.is_nil(ip_rule(nil, 4242))
    r = T.run({ "-e", 'rule_add({ from = "10.42.0.0/16", table = 42, priority = 4242 })' })
    assert.equal(0, r.code, r.err)
    assert.is_not_nil(ip_rule(nil, 4242))
  end)

  it("a failing run deletes a rule it added without a priority, and no other", function()
    if not N.needs() then return end
    T.sh("ip rule add from 10.43.0.0/16 table 43 priority 4242")
    local r = T.run({ "-e", 'rule_add({ from = "10.43.0.0/16", table = 43 }) error("boom")' })
    assert.not_equal(0, r.code)
    local n = 0
    for _, x in ipairs(N.ip("rule show")) do if x.src == "10.43.0.0" then n = n + 1 end end
    assert.equal(1, n)
    assert.is_not_nil(ip_rule(nil, 4242))
  end)
end)

describe("rules in a description #netns", function()
  after_each(N.wipe)

  it("adds a namespace's rules after its routes: traffic to 10.99.0.0/24 takes table 100", function()
    if not N.needs() then return end
    local nsl = require "nsl"
    local t <close> = nsl.topology({
      prefix = "nr",
      namespaces = {
        h = { rules = { { to = "10.99.0.0/24", table = 100, priority = 20 } },
              routes = { default = { via = "10.2.0.2", table = 100 } } },
        y = {}, z = {},
      },
      links = {
        { "h", "y", address = { h = "10.2.0.1/24", y = "10.2.0.2/24" } },
        { "y", "z", address = { y = "10.99.0.1/24", z = "10.99.0.2/24" } },
      },
    }):up()
    assert.equal("nrh", t:name("h"))
    local r = find(rule_list({ ns = "nrh" }), 20)
    assert.same({ priority = 20, family = "inet", to = "10.99.0.0/24", table = 100, action = "table" }, r)
    assert.is_not_nil(ip_rule("nrh", 20))
    local h = t:state().namespaces[1]
    assert.equal("h", h.name)
    assert.same({ r }, h.rules, "t:state() has the rule, not the three every namespace starts with")
    assert.matches("\n  rules\n    priority%s+from%s+to%s+iif%s+oif%s+fwmark%s+table\n    20%s+10%.99%.0%.0/24%s+100\n",
      t:report())
    assert.equal(0, N.in_ns("nrh", "ping -c1 -w3 10.99.0.1").code)
    rule_del({ priority = 20, ns = "nrh" })
    assert.not_equal(0, N.in_ns("nrh", "ping -c1 -W0.3 10.99.0.1").code)	-- main has no way there
  end)

  it("checks rules before making anything", function()
    if not N.needs() then return end
    local nsl = require "nsl"
    local function bad(rules)
      local ok, err = pcall(function()
        nsl.topology({ prefix = "nr", namespaces = { h = { rules = rules }, y = {} }, links = { { "h", "y" } } })
      end)
      assert.is_false(ok)
      assert.same({}, N.ip_netns())
      return tostring(err)
    end
    assert.matches("unknown key 'tabel' in namespace h: rule 1 (did you mean 'table'?)",
      bad({ { from = "10.0.0.0/8", tabel = 100 } }), 1, true)
    assert.matches("namespace h: rule 1: from: bad address '10.0.0.0/33'",
      bad({ { from = "10.0.0.0/33", table = 100 } }), 1, true)
    assert.matches("namespace h: rule 2: iif eth9 is not an interface of h",
      bad({ { table = 100 }, { iif = "eth9", table = 100 } }), 1, true)
    assert.matches("namespace h: rule 1: give a table (or an action)", bad({ { from = "10.0.0.0/8" } }), 1, true)
    assert.matches("namespace h: rules must be a list of tables", bad("x"), 1, true)
    -- the values rule_add would refuse at up are refused here
    assert.matches("namespace h: rule 1: unknown action 'bogus' (table, blackhole, unreachable, prohibit)",
      bad({ { action = "bogus" } }), 1, true)
    assert.matches("namespace h: rule 1: a rule of action blackhole takes no table",
      bad({ { action = "blackhole", table = 5 } }), 1, true)
    assert.matches("namespace h: rule 1: give a table (or an action)", bad({ { action = "table" } }), 1, true)
    assert.matches("namespace h: rule 1: family is inet6 but from/to are inet",
      bad({ { from = "10.0.0.0/8", family = "inet6", table = 100 } }), 1, true)
    assert.matches("namespace h: rule 1: unknown family 'ipv4' (inet or inet6)",
      bad({ { family = "ipv4", table = 100 } }), 1, true)
    assert.matches("namespace h: rule 1: priority must be an integer 0..4294967295, got -5",
      bad({ { priority = -5, table = 100 } }), 1, true)
    assert.matches("namespace h: rule 1: fwmark must be a number or \"mark/mask\" (0 to 0xffffffff each), got zz",
      bad({ { fwmark = "zz", table = 100 } }), 1, true)
    for _, m in ipairs({ "0x1/", "09", "0x100000000", -1, 1.5 }) do
      assert.matches("namespace h: rule 1: fwmark must be", bad({ { fwmark = m, table = 100 } }), 1, true)
    end
    assert.matches("namespace h: rule 1: table must be an integer 1..2147483647 or main, local, default, got all",
      bad({ { table = "all" } }), 1, true)
    -- what rule_add takes passes: mark/mask in hex, octal or decimal, named tables
    local ok = nsl.topology({ prefix = "nr", namespaces = { y = {}, h = { rules = {
      { fwmark = "0x10/0xff", action = "blackhole", priority = 103 },
      { fwmark = 7, table = "default", priority = 104, family = "inet6" },
      { to = "fd00:2::/64", fwmark = "010/3", table = 300, action = "table", priority = 0 } } } },
      links = { { "h", "y" } } })
    assert.equal(3, #ok.model.nodes.h.rules)
    -- a namespace's own links are its interfaces too
    local t = nsl.topology({ prefix = "nr", links = { { "h", "y" } }, namespaces = { y = {},
      h = { links = { { "m0", kind = "macvlan", parent = "eth0" } }, rules = { { iif = "m0", table = 100 } } } } })
    assert.equal("m0", t.model.nodes.h.rules[1].iif)
  end)
end)

describe("nsl --clean and rules, neighbour entries #netns", function()
  after_each(function()
    T.sh("while ip rule del priority 4343 2>/dev/null; do :; done; ip -6 rule del priority 4344 2>/dev/null")
    N.wipe()
  end)

  it("removes the rules and neighbour entries a run killed with SIGKILL left in the start namespace", function()
    if not N.needs() then return end
    T.sh("ip link add nc0 type veth peer name nc1 && ip link set nc0 up")
    local script, dir = T.script([[
      rule_add({ from = "10.44.0.0/16", table = 44, priority = 4343 })
      rule_add({ to = "fd44::/64", fwmark = "0x4/0xf", action = "prohibit", priority = 4344 })
      neigh_add("10.44.0.2", { dev = "nc0", lladdr = "02:00:00:00:44:02" })
      print("made") io.stdout:flush()
      sleep(60)
    ]])
    -- one finally: busted keeps only the last one a test registers
    finally(function()
      T.rm(dir)
      T.sh("ip rule del priority 4345 2>/dev/null")
    end)
    local r = T.sh(T.quote(T.nsl) .. " " .. T.quote(script) .. " > " .. dir .. "/out & pid=$!; " ..
      "for i in $(seq 200); do grep -qs made " .. dir .. "/out && break; sleep 0.05; done; " ..
      "kill -KILL $pid; wait $pid")
    assert.equal(137, r.code)
    assert.is_not_nil(ip_rule(nil, 4343))
    assert.is_not_nil(ip_rule(nil, 4344, true))
    -- someone else's rule beside it, with the same selectors: not ours
    T.sh("ip rule add from 10.44.0.0/16 table 44 priority 4345")
    r = T.run({ "--clean" })
    assert.equal(0, r.code, r.err)
    assert.matches("removed rule family=inet priority=4343 from=10.44.0.0/16 table=44 (run ", r.out, 1, true)
    assert.matches("removed neighbour 10.44.0.2 (run ", r.out, 1, true)
    assert.is_nil(ip_rule(nil, 4343))
    assert.is_nil(ip_rule(nil, 4344, true))
    assert.is_not_nil(ip_rule(nil, 4345))
    assert.equal("", T.sh("ip neigh show 10.44.0.2 dev nc0").out)
    assert.equal("", T.other_records())
  end)

  it("never deletes a rule with more selectors that the kernel would take for the run's", function()
    if not N.needs() then return end
    -- the run's rule, then ip's beside it with one selector more; ip then
    -- deletes the run's (the first with its selectors): a rollback asking
    -- for the run's selectors would take ip's
    local r = T.run({ "-e", 'rule_add({ table = 45, priority = 4343 }) ' ..
      'os.execute("ip rule add from 10.45.0.0/16 table 45 priority 4343 && ip rule del table 45 priority 4343") ' ..
      'error("boom")' })
    assert.equal(1, r.code)
    assert.matches("10.45.0.0/16", T.sh("ip rule show priority 4343").out, 1, true)
  end)
end)
