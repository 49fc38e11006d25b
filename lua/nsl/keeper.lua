-- nsl.keeper: the process that owns a lab `nsl up` started.
--
-- `nsl up FILE --name NAME` starts nsl again, detached, as `nsl _keep
-- FILE NAME` (cli._detach: a session of its own, stdin and stdout on
-- /dev/null).  That keeper brings the description FILE returns up under
-- the prefix "NAME-", listens on a UNIX socket beside its record,
-- <run dir>/<run id>.sock, writes "ok NAME" on its descriptor 3 (the
-- line nsl up waits for), and serves requests until one says down.
-- Without root, the keeper goes into a rootless world of its own first,
-- as a script does; nsl down, link... join that world to reach it.
--
-- A request is one line of JSON, the reply one line of JSON:
--   {"op":"link","end":"r1:eth1","state":"down"}   -> {"ok":true}
--   {"op":"impair","end":"r1:eth1","opts":{...}|false}
--   {"op":"partition","a":["a"],"b":["b","c"]}      -> {"ok":true,"n":2}
--   {"op":"heal"}                                   -> {"ok":true,"n":2}
--   {"op":"capture","state":"start"|"stop","end":..,"pid":..,"to":..}
--   {"op":"down","pid":N}: the reply comes once the lab is down; nsl
--                         down then waits for the keeper's end, or, in
--                         a rootless world (reply "waits":true), the
--                         keeper ends once process N (nsl down) has
-- and a refusal is {"error":"no node named r9 (did you mean 'r1'?)"}.
-- Each change is written to the lab file at once (nsl.lab), so nsl show
-- reports it.  The socket file goes with the keeper; after a SIGKILL,
-- nsl --clean removes it with the run's lab file and objects.
local core = require("nsl.core")
local json = require("nsl.json")
local lab = require("nsl.lab")
local record = require("nsl.record")
local topo = require("nsl.topo")

local M = {}

function M.socket_path(id)
  return record.dir() .. "/" .. (id or record.self().id) .. ".sock"
end

-- The description FILE returns; raises one line naming the file.
function M.load(file)
  local chunk, err = loadfile(file)
  if not chunk then error(err, 0) end
  local ok, d = pcall(chunk)
  if not ok then error(tostring(d), 0) end
  if type(d) ~= "table" then
    error(string.format("%s returns %s, not a description table (return { namespaces = ..., links = ... })",
      file, type(d)), 0)
  end
  return d
end

-- A topology method's error without its place in the library and its
-- "topology: <method>: " head: what the user of nsl link reads.
local function plain(e)
  return (tostring(e):gsub("^[^\n]-:%d+: ", ""):gsub("^topology: [%w_]+: ", ""))
end

local ops = {}

function ops.link(t, r)
  if r.state == "down" then t:link_down(r["end"]) else t:link_up(r["end"]) end
end

function ops.impair(t, r)
  t:impair(r["end"], r.opts or false)
end

function ops.partition(t, r) return t:partition(r.a, r.b) end

function ops.heal(t) return t:heal() end

function ops.capture(t, r)
  t.captures = t.captures or {}
  for i = #t.captures, 1, -1 do
    if t.captures[i].pid == r.pid then table.remove(t.captures, i) end
  end
  if r.state == "start" then
    t.captures[#t.captures + 1] = { ["end"] = r["end"], pid = r.pid, to = r.to }
  end
end

-- One request line from connection c (nil when none comes in time).
local function read_line(c)
  local buf = ""
  while not buf:find("\n", 1, true) do
    local part = c:recv(65536, 5)
    if not part or part == "" then return nil end
    buf = buf .. part
  end
  return buf
end

-- Serves requests until one says down; returns that connection (the
-- reply is the caller's, once the lab is down).
function M.serve(t, sock)
  while true do
    local c = sock:accept()
    local ok, req = pcall(json.decode, read_line(c) or "")
    local reply
    if not ok or type(req) ~= "table" or type(req.op) ~= "string" then
      reply = { error = "not a request" }
    elseif req.op == "down" then
      return c, req.pid
    elseif not ops[req.op] then
      reply = { error = "unknown request " .. req.op }
    else
      local done, n = pcall(ops[req.op], t, req)
      reply = done and { ok = true, n = n } or { error = plain(n) }
      pcall(lab.refresh)
    end
    pcall(c.send, c, json.encode(reply) .. "\n")
    c:close()
  end
end

-- run(file, name, ready): the keeper's life: the lab up, ready(line)
-- called, requests served, the lab down.  ready returns false when no
-- one waits for the line any more (nsl up was killed while the lab came
-- up): the lab goes down at once and the keeper ends.
function M.run(file, name, ready)
  local d = M.load(file)
  local path = M.socket_path()
  local t <close> = topo.new(d, { prefix = d.prefix ~= nil and d.prefix or (name .. "-") })
  lab.keeper = { name = name, socket = path, file = file }
  t:up()
  local sock <close> = core.listen("unix", path)
  local ok, c, pid = pcall(function()
    lab.refresh()
    if not ready("ok " .. name .. "\n") then return nil end
    return M.serve(t, sock)
  end)
  os.remove(path)
  if not ok then error(c, 0) end
  if not c then return t:down() end
  t:down()
  -- In a rootless world this process's end ends the world and kills
  -- every process joined to it: nsl down (pid) must have exited first,
  -- its status set (waited for 5 s at most).  Elsewhere nsl down waits
  -- for this process's end (its record gone too): the reply says which.
  local f = io.open("/proc/self/uid_map")
  local rootless = f and not f:read("a"):match("^%s*0%s+0%s+4294967295")
  if f then f:close() end
  pcall(c.send, c, json.encode({ ok = true, waits = rootless or nil }) .. "\n")
  if rootless and math.type(pid) == "integer" then lab.wait_end(pid, nil, 5) end
  c:close()
end

return M
