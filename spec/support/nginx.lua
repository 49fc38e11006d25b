-- An nginx that keeps everything it writes (pid, logs, temp files) in one
-- directory, serving "hello from direct_netns" on port 80: for S2 specs.
local T = require "spec.support.util"

local M = {}

-- The command line that runs it in the foreground.
function M.cmd(dir)
  return { "nginx", "-p", dir, "-c", dir .. "/nginx.conf", "-e", dir .. "/error.log",
           "-g", "daemon off;" }
end

-- Writes the config and the page into dir; returns M.cmd(dir).
function M.setup(dir)
  T.sh("mkdir -p " .. T.quote(dir .. "/www") .. " && chmod 755 " .. T.quote(dir))
  T.write(dir .. "/www/index.html", "hello from direct_netns\n")
  T.write(dir .. "/nginx.conf", (([[
user root;
worker_processes 1;
pid DIR/nginx.pid;
error_log DIR/error.log;
events { worker_connections 64; }
http {
  access_log DIR/access.log;
  client_body_temp_path DIR/body;
  proxy_temp_path DIR/proxy;
  fastcgi_temp_path DIR/fastcgi;
  uwsgi_temp_path DIR/uwsgi;
  scgi_temp_path DIR/scgi;
  server { listen 80; root DIR/www; index index.html; }
}
]]):gsub("DIR", dir)))
  return M.cmd(dir)
end

return M
