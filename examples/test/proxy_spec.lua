-- examples/test: testing real software with nsl.test.  nginx as a
-- reverse proxy in front of two backends (nginx too) across a router:
--
--   client --- proxy --- router --- backend1
--                                \-- backend2
--
-- Run as root from this folder:   busted --lua=nsl .
-- (from the source tree:          sudo busted --lua=../../nsl .)
-- The test tagged #demo_failure fails on purpose, to show what a failing
-- test leaves in nsl-artifacts/; it is left out with
--   busted --lua=nsl --exclude-tags=demo_failure .
local nt = require "nsl.test"

-- An nginx that keeps its pid, temp files and logs under dir, logging
-- to stdout/stderr (which nsl.test sends to the service's log file).
local function nginx_conf(dir, server)
  return (([[
user root;
worker_processes 1;
pid DIR/nginx.pid;
error_log stderr;
daemon off;
events { worker_connections 64; }
http {
  access_log /dev/stdout;
  client_body_temp_path DIR/body;
  proxy_temp_path DIR/proxy;
  fastcgi_temp_path DIR/fastcgi;
  uwsgi_temp_path DIR/uwsgi;
  scgi_temp_path DIR/scgi;
SERVER
}
]]):gsub("DIR", dir):gsub("SERVER", server))
end

local function nginx(w, name, server)
  local conf = w:file(name .. "/nginx.conf", "")
  local dir = conf:match("^(.*)/")
  w:file(name .. "/nginx.conf", nginx_conf(dir, server))
  return { "nginx", "-p", dir, "-c", conf, "-e", "stderr" }
end

local function backend(w, name)
  return nginx(w, name, [[
  server {
    listen 8080;
    location / {
      default_type application/json;
      return 200 '{"backend": "]] .. name .. [[", "status": "ok", "path": "$uri"}\n';
    }
  }]])
end

describe("nginx as a reverse proxy", function()
  local w = nt.world(function(w)
    return {
      namespaces = {
        client = { routes = { default = "proxy" } },
        proxy = { routes = { default = "router" } },
        router = { sysctl = { ["net.ipv4.ip_forward"] = 1 } },
        backend1 = { routes = { default = "router" } },
        backend2 = { routes = { default = "router" } },
      },
      links = {
        { "client", "proxy", subnet = "10.10.1.0/24" },
        { "proxy", "router", subnet = "10.10.2.0/24" },
        { "router", "backend1", subnet = "10.10.3.0/24" },
        { "router", "backend2", subnet = "10.10.4.0/24" },
      },
      services = {
        backend1 = { ns = "backend1", cmd = backend(w, "backend1"), ready = { port = 8080 } },
        backend2 = { ns = "backend2", cmd = backend(w, "backend2"), ready = { port = 8080 } },
        proxy = {
          ns = "proxy", after = { "backend1", "backend2" }, ready = { port = 80 },
          cmd = nginx(w, "proxy", [[
  upstream backends {
    server 10.10.3.2:8080 max_fails=1 fail_timeout=30s;
    server 10.10.4.2:8080 max_fails=1 fail_timeout=30s;
  }
  server {
    listen 80;
    location / {
      proxy_pass http://backends;
      proxy_connect_timeout 1s;
      add_header X-Upstream $upstream_addr;
    }
  }]]),
        },
      },
    }
  end)

  -- GET http://proxy/path from the client: the body, or nil and why.
  local function get(path)
    local r = w:exec("client", { "curl", "-s", "-S", "-m", "5", "http://" .. w:addr("proxy", "client") .. path })
    return r.ok and r.stdout or nil, r.stderr
  end

  it("listens on port 80, and the backends on 8080", function()
    assert.listens(w, "proxy", 80)
    assert.listens(w, "backend1", 8080)
    assert.listens(w, "backend2", 8080)
    assert.is_false((nt.listening(w, "proxy", 443)))
  end)

  it("is reached by the client, which cannot reach the backends directly", function()
    assert.reaches(w, "client", "proxy")
    assert.reaches(w, "proxy", "backend1")
    assert.not_reaches(w, "client", "backend1")
  end)

  it("answers with a backend's JSON", function()
    local body = assert(get("/hello"))
    assert.matches_json(body, { status = "ok", path = "/hello" })
  end)

  it("spreads requests over both backends", function()
    local seen = {}
    for _ = 1, 4 do
      local body = assert(get("/"))
      seen[body:match('"backend": "(%w+)"')] = true
    end
    assert.same({ backend1 = true, backend2 = true }, seen)
  end)

  it("keeps answering when a backend dies", function()
    w:service("backend1"):kill("KILL")
    nt.eventually(function() return not nt.listening(w, "backend1", 8080) end)
    for _ = 1, 4 do
      assert.matches_json(assert(get("/")), { backend = "backend2" })
    end
  end)

  it("logs every request it forwards", function()
    assert(get("/logged"))
    nt.eventually(function() return nt.log_matches(w, "proxy", "GET /logged HTTP") end)
    nt.eventually(function() return nt.log_matches(w, "backend1", "GET /logged") or
                                    nt.log_matches(w, "backend2", "GET /logged") end)
  end)

  it("fails on purpose, to show its artifacts #demo_failure", function()
    w:capture_all()
    assert(get("/"))
    -- The proxy has no route of its own to the client's peers: this
    -- command fails, and its output is kept.
    w:exec("proxy", { "curl", "-s", "-S", "-m", "1", "http://10.10.99.1/" })
    assert.reaches(w, "client", "backend2")
  end)
end)
