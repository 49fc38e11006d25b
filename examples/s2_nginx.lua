-- S2: nginx inside an isolated network namespace, reached over a veth pair.
-- Written as a topology description (nsl.topology): the whole setup is one
-- table; up builds it, and the <close> variable tears it all down, nginx
-- included, however the script ends.  This is the main job: `make demo`.
--
-- Run as root: nsl examples/s2_nginx.lua   (make demo runs it in a sandbox)
local check = require "nsl.check"

-- A private nginx prefix: config, pid, logs, temp files; removed at the end.
local function nginx_prefix()
  local p = assert(io.popen("mktemp -d /tmp/nsl-s2.XXXXXX"))
  local dir = p:read("l")
  p:close()
  local root = "/var/www/html"          -- Debian's "Welcome to nginx!" page
  if not io.open(root .. "/index.nginx-debian.html") then
    root = dir
    local f = assert(io.open(dir .. "/index.html", "w"))
    f:write("<html><head><title>Welcome to nginx!</title></head></html>\n")
    f:close()
  end
  local f = assert(io.open(dir .. "/nginx.conf", "w"))
  f:write((([[
pid DIR/nginx.pid;
error_log DIR/error.log;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log DIR/access.log;
  client_body_temp_path DIR/body; proxy_temp_path DIR/proxy;
  fastcgi_temp_path DIR/fastcgi; uwsgi_temp_path DIR/uwsgi; scgi_temp_path DIR/scgi;
  server { listen 80; root ROOT; index index.html index.nginx-debian.html; }
}
]]):gsub("DIR", dir):gsub("ROOT", root)))
  f:close()
  return setmetatable({ dir = dir }, { __close = function()
    os.execute("rm -rf '" .. dir .. "'")
  end })
end

local prefix <close> = nginx_prefix()
local dir = prefix.dir

local t <close> = nsl.topology {
  prefix = "",                                     -- the article's names
  namespaces = { "direct_netns" },                 -- lo comes up
  links = {
    { "host", "direct_netns", name = { host = "veth0", direct_netns = "veth1" },
      address = { host = "10.200.0.2/24", direct_netns = "10.200.0.3/24" } },
  },
  services = {
    nginx = { ns = "direct_netns", ready = { port = 80 },
              cmd = { "nginx", "-p", dir, "-c", dir .. "/nginx.conf",
                      "-e", dir .. "/error.log", "-g", "daemon off;" } },
  },
}

-- Per-namespace files, as `ip netns exec` shows them: /etc/netns/NAME/x
-- is seen as /etc/x inside.  Made here, removed at the end.
local function exists(path) return os.rename(path, path) ~= nil end
local etc = "/etc/netns/direct_netns"
local had_parent, had_etc = exists("/etc/netns"), exists(etc)
local made_etc = not exists(etc .. "/resolv.conf") and os.execute("mkdir -p " .. etc) == true
local etc_cleanup <close> = setmetatable({}, { __close = function()
  if not made_etc then return end
  os.remove(etc .. "/resolv.conf")
  if not had_etc then os.remove(etc) end
  if not had_parent then os.remove("/etc/netns") end
end })
if made_etc then
  local f = assert(io.open(etc .. "/resolv.conf", "w"))
  f:write("nameserver 10.200.0.2  # direct_netns's own resolver\n")
  f:close()
end

check.step("build: direct_netns, a veth pair to the host, nginx inside")
print(t:diagram())
t:up()
check.ok(t:service("nginx"):running(), "nginx runs in direct_netns")

local function curl(where, url)
  local cmd = { "curl", "-s", "-m", "3", url }
  if where then return t:exec(where, cmd, { capture = true }) end
  return spawn(cmd, { capture = true })
end

check.step("the two network stacks are separate")
local inside = curl("direct_netns", "http://127.0.0.1/")
check.ok(inside.ok and inside.stdout:find("<title>", 1, true), "inside, curl 127.0.0.1 gets the page")
local host = curl(nil, "http://127.0.0.1/")
check.ok(not host.ok, "on the host, curl 127.0.0.1 is refused (curl exit " .. tostring(host.code) .. ")")

check.step("over the veth pair")
check.ok(t:exec("direct_netns", { "ping", "-c1", "-W5", "10.200.0.2" }, { capture = true }).ok,
  "direct_netns pings the host (10.200.0.2)")
check.ok(spawn({ "ping", "-c1", "-W5", "10.200.0.3" }, { capture = true }).ok,
  "the host pings direct_netns (10.200.0.3)")
local page = curl(nil, "http://10.200.0.3/")
local title = page.ok and page.stdout:match("<title>(.-)</title>")
check.ok(title, "the host gets the page from 10.200.0.3", page.stderr)

if made_etc then
  check.step("per-namespace configuration from /etc/netns/direct_netns")
  local r = t:exec("direct_netns", { "cat", "/etc/resolv.conf" }, { capture = true })
  check.ok(r.ok and r.stdout:find("direct_netns's own resolver", 1, true),
    "inside, /etc/resolv.conf is /etc/netns/direct_netns/resolv.conf")
end

check.step("what runs")
t:show()
if title then print("\npage title from 10.200.0.3: " .. title) end

check.step("tear down")
t:down()
check.ok(not ns_exists("direct_netns"), "direct_netns is gone")
check.ok(not link_exists("veth1"), "the veth pair is gone")
local left = io.popen("pgrep -f '" .. dir .. "/nginx[.]conf'"):read("a")
check.eq(left, "", "no nginx process is left")
os.exit(check.finish())
