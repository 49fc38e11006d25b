-- nsl-cni under a real container runtime: podman (Debian 12: 4.3) with
-- its CNI backend, two containers on a tiny busybox rootfs, reaching each
-- other over the topology's link; removing them gives every link and
-- store entry back.  All inside spec/sandbox: podman's storage and run
-- state in a directory of the spec's, no cgroups (crun, which can run
-- without them; runc cannot), no image pulled.  make check-full installs
-- podman (make deps-podman); pending where it is absent.
local T = require "spec.support.util"
local core = require "nsl.core"

local NEED = {
  { "/usr/bin/podman", "podman" }, { "/usr/bin/crun", "crun" },
  { "/bin/busybox", "busybox-static" },
}

-- Why this spec cannot run here, or nil.
local function missing()
  for _, n in ipairs(NEED) do
    local f = io.open(n[1])
    if not f then return n[2] .. " is not installed (make deps-podman)" end
    f:close()
  end
  local cni = T.nsl:gsub("nsl([^/]*)$", "nsl-cni%1")
  local f = io.open(cni)
  if not f then return "no nsl-cni beside " .. T.nsl .. " (make builds it)" end
  f:close()
  -- busybox must be the static one: the rootfs has no libc
  if T.sh("file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' || " ..
    "! ldd /bin/busybox >/dev/null 2>&1").code ~= 0 then
    return "/bin/busybox is not statically linked (busybox-static)"
  end
  return nil, cni
end

local TOPO = [[
return {
  namespaces = { "r1", "r2" },
  links = { { "r1:eth1", "r2:eth1", subnet = { "10.77.1.0/30" } } },
  hosts = { h1 = { "r1", "r2" } },
}
]]

describe("nsl-cni under podman #netns #cni #podman", function()
  local dir, cni

  -- The world podman runs in: its config, storage, CNI config and plugin
  -- directories and the rootfs, all under dir; cgroup2 on the sandbox's
  -- own /sys (crun insists on a cgroup file system, even unused).
  local function setup_world()
    dir = T.tmpdir()
    local d = dir
    for _, sub in ipairs({ "rootfs/bin", "rootfs/proc", "rootfs/sys", "rootfs/dev", "rootfs/etc",
      "rootfs/tmp", "cnibin", "cninet", "store", "run", "graph" }) do
      assert(os.execute("mkdir -p " .. T.quote(d .. "/" .. sub)))
    end
    assert.equal(0, T.sh("cp /bin/busybox " .. T.quote(d .. "/rootfs/bin/") .. " && cd " ..
      T.quote(d .. "/rootfs/bin") .. " && for c in sh ip ping sleep cat; do ln -s busybox $c; done").code)
    assert.equal(0, T.sh("ln -s " .. T.quote(cni) .. " " .. T.quote(d .. "/cnibin/nsl-cni")).code)
    T.write(d .. "/topo.lua", TOPO)
    T.write(d .. "/cninet/nsllab.conflist", ([[
{ "cniVersion": "1.0.0", "name": "nsllab",
  "plugins": [ { "type": "nsl-cni", "lab": "pm", "store": "dir://%s/store",
                 "topology": "%s/topo.lua", "host": "h1" } ] }
]]):format(d, d))
    T.write(d .. "/containers.conf", ([[
[network]
network_backend = "cni"
cni_plugin_dirs = ["%s/cnibin"]
network_config_dir = "%s/cninet"
[engine]
runtime = "crun"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "%s/events.log"
tmp_dir = "%s/run/tmp"
]]):format(d, d, d, d))
    T.write(d .. "/storage.conf", ([[
[storage]
driver = "vfs"
runroot = "%s/run"
graphroot = "%s/graph"
]]):format(d, d))
    if not T.sh("stat -fc %T /sys/fs/cgroup").out:match("^cgroup") then
      assert.equal(0, T.sh("mount -t cgroup2 nsl-spec-cgroup /sys/fs/cgroup").code)
    end
  end

  local function podman(args)
    return T.sh("env CONTAINERS_CONF=" .. T.quote(dir .. "/containers.conf") ..
      " CONTAINERS_STORAGE_CONF=" .. T.quote(dir .. "/storage.conf") ..
      " podman --cgroup-manager=cgroupfs " .. args)
  end

  local function run(name)
    return podman("run -d --name " .. name .. " --hostname " .. name .. " --cgroups=disabled" ..
      " --network nsllab --rootfs " .. T.quote(dir .. "/rootfs") .. " /bin/sleep 600")
  end

  after_each(function()
    if dir then
      podman("rm -f -t 0 r1 r2")
      T.sh("umount /sys/fs/cgroup 2>/dev/null; umount -R " .. T.quote(dir .. "/run") .. " 2>/dev/null")
      T.sh("rm -rf " .. T.quote(dir))
      dir = nil
    end
  end)

  it("two containers reach each other over the topology's link, and removing them leaves nothing", function()
    if not T.need_sandbox() then return end
    local why
    why, cni = missing()
    if why then pending(why) return end
    local before = T.sh("ip -o link; ls /run/netns").out
    setup_world()
    local r1 = run("r1")
    assert.equal(0, r1.code, r1.out .. r1.err)
    local r2 = run("r2")
    assert.equal(0, r2.code, r2.out .. r2.err)
    -- the link is in both containers, with the topology's addresses
    local a = podman("exec r1 ip -o addr show dev eth1")
    assert.equal(0, a.code, a.out .. a.err)
    assert.matches("inet 10.77.1.1/30", a.out, 1, true)
    local p
    for _ = 1, 30 do
      p = podman("exec r1 ping -c 1 -W 1 10.77.1.2")
      if p.code == 0 then break end
      core.sleep(0.1)
    end
    assert.equal(0, p.code, p.out .. p.err)
    p = podman("exec r2 ping -c 1 -W 1 10.77.1.1")
    assert.equal(0, p.code, p.out .. p.err)
    -- removal runs DEL for each: no link, namespace or lease is left
    local rm = podman("rm -f -t 0 r1 r2")
    assert.equal(0, rm.code, rm.out .. rm.err)
    assert.equal(before, T.sh("ip -o link; ls /run/netns").out)
    local store = require("nsl.cni.store").open("dir://" .. dir .. "/store")
    assert.same({}, store:list("pm/att/"))
    assert.same({}, store:list("pm/cid/"))
  end)
end)
