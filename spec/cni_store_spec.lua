-- nsl-cni's state under pressure: a VNI released by one host's DEL while
-- another host's ADD takes the same link up again (the interleaving made
-- deterministic by a test hook that pauses the DEL between its check and
-- its release); VNIs from the lab's counter; a dir store someone else
-- owns or may write; the topology cache, changed, forged or exposed.
local T = require "spec.support.util"
local N = require "spec.support.net"
local C = require "spec.support.cni"

local KV = C.STORE .. "/kv/"
local LINK = "demo%2Fvni%2Fr1:eth1%3Dr2:eth1" -- the link's VNI entry

-- r1 on h1, r2 on h2, one link across.
local PAIR = [[
return {
  hosts = { h1 = { "r1" }, h2 = { "r2" } },
  namespaces = { "r1", "r2" },
  links = { { "r1:eth1", "r2:eth1", subnet = { "10.0.1.0/30" } } },
}
]]

local function value(name)
  local r = T.sh("cat " .. T.quote(KV .. name) .. " 2>/dev/null")
  return r.code == 0 and r.out:match("^%d+\n(.*)$") or nil
end

local function pair()
  C.cluster(2)
  C.topology(PAIR)
  C.pods("r1", "r2")
  for _, h in ipairs({ "h1", "h2" }) do
    assert.is_nil(C.ok("STATUS", nil, { host = h }))
  end
end

local function wait_for(path, present)
  for _ = 1, 500 do
    if (T.sh("test -e " .. T.quote(path)).code == 0) == present then return true end
    T.sh("sleep 0.02")
  end
  return false
end

describe("nsl-cni's store and cache #netns", function()
  after_each(C.wipe)

  it("keeps a VNI reserved when a peer's ADD takes the link up while a DEL releases it", function()
    if not N.needs() then return end
    pair()
    -- STATUS registered both hosts: no ADD is told to try again
    C.ok("ADD", "r1", { host = "h1" })
    C.ok("ADD", "r2", { host = "h2" })
    local v = value(LINK)
    assert.equal("5000", v)
    C.ok("DEL", "r1", { host = "h1" })
    assert.equal(v, value(LINK)) -- r2 still holds it
    -- r2's DEL finds r1 gone, then pauses before releasing; r1's ADD runs
    -- in that window (h2's DEL holds h2's lock, not h1's)
    local dir = T.tmpdir()
    local pause = dir .. "/pause"
    local cmd, text = C.command("DEL", "r2", { host = "h2",
      env = { NSL_CNI_TEST_PAUSE_RELEASE = pause, NSL_CNI_LOCK_DIR = "/run/nsl-cni-spec/lock-h2" } })
    T.write(dir .. "/conf", text)
    T.sh("(" .. cmd .. " <" .. dir .. "/conf >" .. dir .. "/out 2>&1; echo $? >" .. dir .. "/rc) "
      .. "</dev/null >/dev/null 2>&1 &")
    assert.is_true(wait_for(pause, true), "the DEL never reached its release")
    C.ok("ADD", "r1", { host = "h1" })
    local used = C.links("r1").eth1.linkinfo.info_data.id
    os.remove(pause)
    assert.is_true(wait_for(dir .. "/rc", true), "the DEL never ended")
    assert.equal("0", T.sh("cat " .. dir .. "/rc").out:gsub("%s", ""), T.sh("cat " .. dir .. "/out").out)
    T.rm(dir)
    -- the VNI r1 uses is still the link's, and still reserved
    assert.equal(tostring(used), value(LINK))
    assert.equal("r1:eth1=r2:eth1", value("demo%2Fvnis%2F" .. used))
    -- r1's DEL, r2 gone: now it is released, the entry a tombstone
    C.ok("DEL", "r1", { host = "h1" })
    assert.equal("-", value(LINK))
    assert.is_nil(value("demo%2Fvnis%2F" .. used))
  end)

  it("hands out VNIs from the lab's counter, a released link getting a new one", function()
    if not N.needs() then return end
    pair()
    -- STATUS registered h2's underlay address, before any pod of h2
    assert.equal("192.0.2.2", value("demo%2Fhosts%2Fh2"))
    C.ok("ADD", "r1", { host = "h1" })
    assert.equal("5000", value(LINK))
    assert.equal("5001", value("demo%2Fvninext"))
    C.ok("DEL", "r1", { host = "h1" })
    assert.equal("-", value(LINK))
    C.ok("ADD", "r1", { host = "h1" })
    assert.equal("5001", value(LINK))
    assert.equal(5001, C.links("r1").eth1.linkinfo.info_data.id)
  end)

  it("refuses a dir store someone else owns or may write (code 102)", function()
    if not N.needs() then return end
    pair()
    C.ok("ADD", "r1", { host = "h1" })
    T.sh("chmod 770 " .. C.STORE)
    local r = C.run("ADD", "r1", { host = "h1" })
    assert.equal(102, r.code, r.raw .. r.err)
    assert.equal("store: dir://" .. C.STORE .. ": directory " .. C.STORE
      .. ": mode 0770: group or others may write it: refused", r.out.msg)
    T.sh("chmod 700 " .. C.STORE .. " && chown 4242 " .. KV)
    r = C.run("DEL", "r1", { host = "h1" })
    assert.equal(102, r.code, r.raw .. r.err)
    assert.equal("store: dir://" .. C.STORE .. ": directory " .. KV:gsub("/$", "")
      .. ": owned by uid 4242, not by root: refused", r.out.msg)
    T.sh("chown 0 " .. KV .. " && mv " .. C.STORE .. " " .. C.STORE .. ".real && ln -s "
      .. C.STORE .. ".real " .. C.STORE)
    r = C.run("STATUS", nil, { host = "h1" })
    assert.equal(50, r.code, r.raw .. r.err)
    assert.matches("directory " .. C.STORE:gsub("%p", "%%%0") .. ": not a directory %(a link%)", r.out.msg)
    T.sh("rm " .. C.STORE .. " && mv " .. C.STORE .. ".real " .. C.STORE)
    -- a root that links to an empty folder: refused before kv is made there
    T.sh("mv " .. C.STORE .. " " .. C.STORE .. ".real && mkdir " .. C.STORE .. ".empty && ln -s "
      .. C.STORE .. ".empty " .. C.STORE)
    r = C.run("STATUS", nil, { host = "h1" })
    assert.equal(50, r.code, r.raw .. r.err)
    assert.equal("", T.sh("ls -A " .. C.STORE .. ".empty").out)
    T.sh("rm " .. C.STORE .. " && rmdir " .. C.STORE .. ".empty && mv " .. C.STORE .. ".real " .. C.STORE)
    C.ok("DEL", "r1", { host = "h1" })
  end)

  it("caches the topology per version: a changed file is read again, a forged record never used", function()
    if not N.needs() then return end
    pair()
    C.ok("ADD", "r1", { host = "h1" })
    local cache = "/run/nsl-cni-spec/cache/demo"
    local vers = T.sh("ls " .. cache).out:gsub("%s+$", "")
    assert.matches("^f%-1%-", vers)
    assert.equal("700 600", T.sh("stat -c %a " .. cache .. "/" .. vers .. " " .. cache .. "/" .. vers
      .. "/n-r1 | tr '\\n' ' '").out:gsub("%s+$", ""))
    -- a new subnet: the next ADD sees it (on a new pod), the old version
    -- is gone
    C.ok("DEL", "r1", { host = "h1" })
    C.topology((PAIR:gsub("10%.0%.1%.0/30", "10.0.9.0/30")))
    C.ok("ADD", "r1", { host = "h1" })
    assert.same({ "10.0.9.1/30" }, C.addrs("r1", "eth1"))
    local now_vers = T.sh("ls " .. cache).out:gsub("%s+$", "")
    assert.not_equal(vers, now_vers)
    assert.not_matches("%s", now_vers)
    -- a forged record (another address, bad JSON, a wrong shape): the
    -- version is compiled again from the topology
    for _, forged in ipairs({
      '{"name":"r1","placed":true,"host":"h1","links":[{"id":"x","ifname":"eth1","peer":"r2","peer_if":"eth1",'
        .. '"addrs":"10.9.9.9/30","peer_addrs":[],"first":true}]}',
      "{not json", '{"name":"r1","placed":"yes"}', "" }) do
      T.write(cache .. "/" .. now_vers .. "/n-r1", forged)
      C.ok("DEL", "r1", { host = "h1" })
      C.ok("ADD", "r1", { host = "h1" })
      assert.same({ "10.0.9.1/30" }, C.addrs("r1", "eth1"))
    end
    -- a cache directory others may write is refused (code 5)
    T.sh("chmod 777 " .. cache)
    local r = C.run("ADD", "r1", { host = "h1" })
    assert.equal(5, r.code, r.raw .. r.err)
    assert.equal("nsl-cni: cache " .. cache .. ": mode 0777: group or others may write it: refused", r.out.msg)
    -- DEL still works: the links go by group, the reason on stderr
    r = C.run("DEL", "r1", { host = "h1" })
    assert.equal(0, r.code, r.raw .. r.err)
    assert.matches("mode 0777", r.err)
    assert.same({}, C.links("r1"))
  end)
end)
