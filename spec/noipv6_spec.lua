-- Large labs without IPv6: link_set's addrgenmode, and a topology's
-- ipv6 = false (no link-local addresses, so no DAD, MLD or router
-- solicitations flooding a bridge).  ip -j is the witness.
local T = require "spec.support.util"
local nt = require "nsl.test"
local N = require "spec.support.net"
local nsl = require "nsl"

-- The IPv6 addresses ip shows on dev in ns.
local function v6(dev, ns)
  local out = {}
  for _, l in ipairs(N.ip("-6 addr show dev " .. T.quote(dev), ns)) do
    for _, a in ipairs(l.addr_info or {}) do out[#out + 1] = a["local"] end
  end
  return out
end

describe("no IPv6 on a link #netns", function()
  after_each(function() N.wipe() end)

  it("link_set(link, {addrgenmode = 'none', up = true}) brings it up without a link-local address", function()
    if not N.needs() then return end
    nsl.ns_add("nov6")
    nsl.veth_add("nov6a", "nov6b", { peer_ns = "nov6" })
    nsl.link_set("nov6b", { ns = "nov6", addrgenmode = "none", up = true })
    nsl.link_set("nov6a", { up = true })
    local l = N.ip("-d link show dev nov6b", "nov6")[1]
    assert.equal("none", l.inet6_addr_gen_mode)
    assert.is_true(N.contains(l.flags, "UP"))
    assert.same({}, v6("nov6b", "nov6"))
    -- the other end, without the option, has its fe80:: address: the
    -- kernel adds it once linkwatch has seen the carrier, in its own time
    -- (rtnl is shared with the other sandboxes); nov6b, up as long, still none
    assert.equal(1, #nt.eventually(function() return #v6("nov6a") > 0 and v6("nov6a") end))
    assert.same({}, v6("nov6b", "nov6"))
    T.nsl_error(function() nsl.link_set("nov6a", { addrgenmode = "eui48" }) end,
      "link_set: nov6a: option 'addrgenmode': eui64, none, stable_secret or random expected, got 'eui48'")
  end)

  it("a topology with ipv6 = false has no IPv6 address on any link it made, and still works", function()
    if not N.needs() then return end
    local t <close> = nsl.topology {
      ipv6 = false,
      namespaces = { "a", "b" },
      bridges = { br = { subnet = "10.41.0.0/24" } },
      links = { { "a", "br" }, { "b", "br" }, { "host", "a", subnet = "10.42.0.0/30" } },
    }:up()
    for _, node in ipairs({ "a", "b" }) do
      for _, l in ipairs(N.ip("link show", t:name(node))) do
        if l.ifname ~= "lo" then assert.same({}, v6(l.ifname, t:name(node)), node .. " " .. l.ifname) end
      end
    end
    local root = 0
    for _, n in ipairs(t:names()) do -- the bridge and the root-side veth ends
      if n.ns == "" and n.kind ~= "netns" then assert.same({}, v6(n.real), n.real); root = root + 1 end
    end
    assert.equal(4, root)
    assert.is_true(t:exec("a", { "ping", "-c1", "-W2", t:addr("b") }, { capture = true }).ok)
  end)

  it("refuses ipv6 = false beside an IPv6 address or subnet, and other values, before anything is made", function()
    local ok, err = pcall(nsl.topology, { ipv6 = false, namespaces = { "a" },
      links = { { "a", "host", subnet = "fd00:7::/64" } } })
    assert.is_false(ok)
    assert.matches("ipv6 = false, but link a%-host has the IPv6 prefix fd00:7::/64", tostring(err))
    ok, err = pcall(nsl.topology, { ipv6 = true, namespaces = { "a" } })
    assert.is_false(ok)
    assert.matches("ipv6 must be an IPv6 range %(\"fd00::/48\"%) or false, got boolean", tostring(err))
  end)
end)
