-- sysctl on the real kernel, inside namespaces and where nsl runs.
local T = require "spec.support.util"
local N = require "spec.support.net"

describe("sysctl #netns", function()
  after_each(N.wipe)

  it("reads and writes a key inside a namespace, leaving the start one alone", function()
    if not N.needs() then return end
    ns_add("blue")
    local before = sysctl("net.ipv4.ip_forward")
    assert.equal("0", sysctl("net.ipv4.ip_forward", nil, { ns = "blue" }))
    sysctl("net.ipv4.ip_forward", 1, { ns = "blue" })
    assert.equal("1", sysctl("net.ipv4.ip_forward", nil, { ns = "blue" }))
    assert.equal("1", N.in_ns("blue", "cat /proc/sys/net/ipv4/ip_forward").out:match("%d"))
    assert.equal(before, sysctl("net.ipv4.ip_forward"))
  end)

  it("takes keys written with slashes, for names holding dots", function()
    if not N.needs() then return end
    ns_add("blue")
    sysctl("net/ipv4/conf/lo/forwarding", "1", { ns = "blue" })
    assert.equal("1", sysctl("net.ipv4.conf.lo.forwarding", nil, { ns = "blue" }))
  end)

  it("fails with ENOENT for an unknown key and refuses keys that climb out", function()
    if not N.needs() then return end
    local e = N.err(sysctl, "net.ipv4.nope")
    assert.equal("sysctl: net.ipv4.nope: No such file or directory", tostring(e))
    assert.equal("EINVAL", N.err(sysctl, "net/../../etc/passwd").code)
    assert.equal("ENOENT", N.err(sysctl, "net.ipv4.ip_forward", nil, { ns = "nosuch" }).code)
  end)

  it("reads a key as an unprivileged user: no setns without ns", function()
    if not N.needs() then return end
    if T.sh("command -v setpriv").code ~= 0 then return pending("setpriv is not installed") end
    local r = T.sh("NSL_ROOTLESS=0 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all " ..
      "--bounding-set=-all " .. T.quote(T.nsl) ..
      " -e 'print(sysctl(\"net.ipv4.ip_forward\"))" ..
      " local ok, e = pcall(sysctl, \"net.ipv4.ip_forward\", 1); print(ok, e.code, e)'")
    assert.equal(0, r.code, r.err)
    assert.equal(sysctl("net.ipv4.ip_forward") .. "\nfalse\tEACCES\tsysctl: net.ipv4.ip_forward: " ..
      "Permission denied (run as root, or rootless: nsl --rootless, or in a user namespace: unshare -rn)\n", r.out)
  end)

  it("raises argument errors for wrong types", function()
    assert.has_error(function() sysctl("net.ipv4.ip_forward", {}) end,
      "bad argument #2 to 'sysctl' (string or number expected, got table)")
  end)
end)

describe("after the sysctl specs #netns", function()
  it("nothing is left: no namespace, no link but lo", function()
    if not N.needs() then return end
    N.assert_clean()
  end)
end)
