-- nsl.live: the subcommands for labs nsl up keeps (nsl.keeper): up,
-- down, link, impair, partition, heal, capture.  They find the lab by
-- its name in the lab files (nsl.lab) and send its keeper one request
-- over its socket; capture records the end itself (the capture
-- primitive) and tells the keeper, so nsl show lists it while it runs.
local core = require("nsl.core")
local json = require("nsl.json")
local lab = require("nsl.lab")
local keeper = require("nsl.keeper")
local record = require("nsl.record")
local keys = require("nsl.topo.keys")

local M = {}

local IMPAIR = { "corrupt", "delay", "duplicate", "jitter", "limit", "loss", "rate", "reorder" }

-- install(cli, h): adds the subcommands to cli; h holds its die, out
-- and parse.
function M.install(cli, h)
  local die, out, parse = h.die, h.out, h.parse

  local function labs()
    local out_labs = {}
    for _, doc in ipairs((lab.runs())) do
      if doc.socket and doc.name then out_labs[#out_labs + 1] = doc end
    end
    return out_labs
  end

  -- The lab named run (its name, run id or keeper's pid).
  local function find(cmd, run)
    if not run then die("%s: which lab? (nsl ls lists them)", cmd) end
    local names = {}
    for _, doc in ipairs(labs()) do
      if doc.name == run or doc.run == run or tostring(doc.pid) == run then return doc end
      names[#names + 1] = doc.name
    end
    for _, doc in ipairs((lab.runs())) do
      if (doc.run == run or tostring(doc.pid) == run) and not doc.socket then
        die("%s: run %s is a script's, not a lab nsl up started: only those take live changes", cmd, doc.run)
      end
    end
    table.sort(names)
    local why = os.getenv("NSL_NO_REGISTRY")
    die("%s: %s: no lab of that name%s (%s)%s", cmd, run, keys.suggest(run, names),
      #names > 0 and ("running: " .. table.concat(names, ", ")) or "none runs; nsl up FILE starts one",
      why and ("; " .. why) or "")
  end

  -- Seconds a keeper has to answer a request (NSL_KEEPER_TIMEOUT,
  -- default 60: down answers once the whole lab is down).
  local function keeper_timeout(cmd)
    local v = os.getenv("NSL_KEEPER_TIMEOUT")
    if not v then return 60 end
    local n = tonumber(v)
    if not n or n ~= n or n <= 0 or n > 86400 then
      die("%s: NSL_KEEPER_TIMEOUT=%s: seconds expected (a number above 0)", cmd, v)
    end
    return n
  end

  -- Sends req to the lab's keeper; its reply, or one line and exit 1
  -- (also when the keeper hangs: stopped, or stuck in a teardown).
  local function request(cmd, doc, req)
    local wait = keeper_timeout(cmd)
    local deadline = core.now() + wait
    local function hung()
      die("%s: %s: its keeper (pid %d) did not answer in %g s: kill %d (it takes its lab down), " ..
        "or kill -KILL %d and nsl --clean", cmd, doc.name, doc.pid, wait, doc.pid, doc.pid)
    end
    local ok, c = pcall(core.connect, "unix", doc.socket, { timeout = wait })
    if not ok and type(c) == "table" and (c.code == "EACCES" or c.code == "EPERM") then
      die("%s: %s: not privileged to reach its keeper (pid %d, %s): run as the user who started it",
        cmd, doc.name, doc.pid, doc.socket)
    end
    if not ok and type(c) == "table" and c.code == "ETIMEDOUT" then hung() end
    if not ok then die("%s: %s: its keeper (pid %d) does not answer: %s", cmd, doc.name, doc.pid, tostring(c)) end
    c:send(json.encode(req) .. "\n")
    local buf = ""
    while not buf:find("\n", 1, true) do
      local part = c:recv(65536, math.max(0, deadline - core.now()))
      if not part then
        c:close()
        hung()
      end
      if part == "" then break end
      buf = buf .. part
    end
    c:close()
    local fine, reply = pcall(json.decode, buf)
    if not fine or type(reply) ~= "table" then
      die("%s: %s: its keeper ended without an answer", cmd, doc.name)
    end
    if reply.error then die("%s: %s: %s", cmd, doc.name, reply.error) end
    return reply
  end

  -- Waits for the keeper's end after its lab is down (its record goes
  -- last): once nsl down returns, nothing of the lab is left.  The
  -- keeper's start time tells a reused pid, which is not waited for.
  local function ended(cmd, doc)
    local wait = keeper_timeout(cmd)
    if not lab.wait_end(doc.pid, math.tointeger(doc.start), wait) then
      die("%s: %s: its lab is down, but its keeper (pid %d) did not end in %g s: kill -KILL %d and nsl --clean",
        cmd, doc.name, doc.pid, wait, doc.pid, doc.pid)
    end
  end

  -- nsl up FILE [--name NAME]
  function cli.up(args)
    local o, pos = parse("up", args, {}, { ["--name"] = "name" })
    local file = pos[1]
    if not file then die("up: which file? usage: nsl up FILE [--name NAME] (FILE returns a description)") end
    if pos[2] then die("up: one file only, got '%s' too (usage: nsl up FILE [--name NAME])", pos[2]) end
    local f, err = io.open(file, "r")
    if not f then die("up: %s", err) end
    f:close()
    local st = core._stat(file)
    if not st or st.type ~= "file" then
      die("up: %s: not a regular file%s", file, st and st.type == "dir" and " (a directory)" or "")
    end
    local name = o.name or (file:match("([^/]+)$") or ""):gsub("%.lua$", "")
    if not name:match("^[%w_.%-]+$") or #name > 32 then
      die("up: %s: a lab's name is 1 to 32 letters, digits, '_', '.', '-' (--name NAME)", name)
    end
    if name == "." or name == ".." then die("up: %s: not a lab's name (--name NAME)", name) end
    for _, doc in ipairs(labs()) do
      if doc.name == name then die("up: a lab named %s runs already (nsl down %s, or --name)", name, name) end
    end
    if file:sub(1, 1) ~= "/" then file = (os.getenv("PWD") or ".") .. "/" .. file end
    local pid, line, errors = cli._detach({ "_keep", file, name })
    if line and line:match("^ok ") then
      out(name)
      return 0
    end
    -- what the keeper said before it ended: its last "nsl: " line
    local why
    for l in (errors or ""):gmatch("[^\n]+") do
      if l:match("^nsl: ") and not l:match("^nsl: not privileged") then why = why or l:gsub("^nsl: ", "") end
    end
    die("up: %s", why or ("the keeper (pid " .. pid .. ") ended before the lab was up"))
  end

  -- nsl _keep FILE NAME: the keeper itself (nsl.keeper).
  function cli._keep(args)
    local ok, err = pcall(keeper.run, args[1], args[2], cli._ready)
    if not ok then -- a place in the library says nothing to the user
      die("%s", (tostring(err):gsub("^embedded:[^\n]-:%d+: ", "")))
    end
    return 0
  end

  -- nsl down RUN... | --all
  function cli.down(args)
    local o, pos = parse("down", args, { ["--all"] = "all" }, {})
    local targets = {}
    if o.all then
      if #pos > 0 then die("down: --all or lab names, not both") end
      targets = labs()
    else
      if #pos == 0 then die("down: which lab? usage: nsl down RUN... | --all") end
      for i, run in ipairs(pos) do targets[i] = find("down", run) end
    end
    for _, doc in ipairs(targets) do
      local reply = request("down", doc, { op = "down", pid = record.self().pid })
      if not reply.waits then ended("down", doc) end
      out(doc.name .. " down")
    end
    return 0
  end

  -- nsl link RUN NODE:IF down|up
  function cli.link(args)
    local _, pos = parse("link", args, {}, {})
    if #pos ~= 3 or (pos[3] ~= "down" and pos[3] ~= "up") then
      die("link: usage: nsl link RUN NODE:IFNAME down|up")
    end
    local doc = find("link", pos[1])
    request("link", doc, { op = "link", ["end"] = pos[2], state = pos[3] })
    return 0
  end

  -- nsl impair RUN NODE:IF delay=20ms loss=1% rate=10mbit ... | off
  function cli.impair(args)
    local _, pos = parse("impair", args, {}, {})
    if #pos < 3 then
      die("impair: usage: nsl impair RUN NODE:IFNAME delay=20ms loss=1%% rate=10mbit ... | off")
    end
    local doc = find("impair", pos[1])
    local opts = {}
    if pos[3] == "off" and #pos == 3 then
      opts = false
    else
      local known = {}
      for _, k in ipairs(IMPAIR) do known[k] = true end
      for i = 3, #pos do
        local k, v = pos[i]:match("^([^=]+)=(.+)$")
        if not k then die("impair: '%s': KEY=VALUE expected (delay=20ms), or off alone", pos[i]) end
        if not known[k] then
          die("impair: unknown key '%s'%s (known: %s)", k, keys.suggest(k, IMPAIR), table.concat(IMPAIR, ", "))
        end
        opts[k] = k == "limit" and tonumber(v) or v
        if opts[k] == nil then die("impair: limit=%s: a number of packets expected", v) end
      end
    end
    request("impair", doc, { op = "impair", ["end"] = pos[2], opts = opts })
    return 0
  end

  -- "lab: 2 links cut" from a keeper's reply that counts links (r.n).
  local function links(doc, r, what)
    out(string.format("%s: %d link%s %s", doc.name, r.n or 0, r.n == 1 and "" or "s", what))
  end

  -- nsl partition RUN A B (A, B: a node or nodes joined by commas)
  function cli.partition(args)
    local _, pos = parse("partition", args, {}, {})
    if #pos ~= 3 then die("partition: usage: nsl partition RUN A B (A, B: nodes, several as a,b)") end
    local doc = find("partition", pos[1])
    local function group(s)
      local g = json.array()
      for n in s:gmatch("[^,]+") do g[#g + 1] = n end
      return g
    end
    links(doc, request("partition", doc, { op = "partition", a = group(pos[2]), b = group(pos[3]) }), "cut")
    return 0
  end

  -- nsl heal RUN
  function cli.heal(args)
    local _, pos = parse("heal", args, {}, {})
    if #pos ~= 1 then die("heal: usage: nsl heal RUN") end
    local doc = find("heal", pos[1])
    links(doc, request("heal", doc, { op = "heal" }), "up again")
    return 0
  end

  -- The end node:ifname of a lab's topologies: its real name and
  -- namespace (nil: the root namespace), or one line and exit 1.
  local function find_end(cmd, doc, spec)
    local node, ifname = spec:match("^([^:]+):(.+)$")
    if not node then die("%s: %s: NODE:IFNAME expected (r1:eth0)", cmd, spec) end
    local nodes, ends = {}, {}
    for _, top in ipairs(doc.topologies or {}) do
      for _, l in ipairs(top.links or {}) do
        for _, e in ipairs(l.ends or {}) do
          nodes[#nodes + 1] = e.node
          if e.node == node then
            if e.name == ifname or e.real == ifname then return e end
            ends[#ends + 1] = e.name
          end
        end
      end
    end
    table.sort(nodes)
    if #ends == 0 then die("%s: %s: no node named %s in %s%s", cmd, spec, node, doc.name, keys.suggest(node, nodes)) end
    table.sort(ends)
    die("%s: %s: %s has no link end %s (its ends: %s)%s", cmd, spec, node, ifname, table.concat(ends, ", "),
      keys.suggest(ifname, ends))
  end

  -- nsl capture RUN NODE:IF [-w FILE]: the capture primitive on that
  -- end, pcap to FILE or stdout, until interrupted.
  function cli.capture(args)
    local o, pos = parse("capture", args, {}, { ["-w"] = "file" })
    if #pos ~= 2 then die("capture: usage: nsl capture RUN NODE:IFNAME [-w FILE]") end
    local doc = find("capture", pos[1])
    local e = find_end("capture", doc, pos[2])
    if o.file and o.file:sub(1, 1) ~= "/" and o.file ~= "-" then
      -- a rootless world's nsl works from "/": the caller's directory
      o.file = (os.getenv("PWD") or ".") .. "/" .. o.file
    end
    local me = record.self().pid
    request("capture", doc, { op = "capture", state = "start", ["end"] = pos[2], pid = me, to = o.file or "stdout" })
    -- Ctrl-C (or a signal to nsl) ends the capture and nsl, which dies
    -- of it; every packet is in the file by then (each is flushed).
    local ok, r = pcall(function()
      local cap = core.capture(e.real, { ns = e.ns, file = o.file or "-" })
      io.stderr:write("nsl: capture: listening on ", pos[2], " (", e.real, "), pcap to ", o.file or "stdout", "\n")
      io.stderr:flush()
      return cap:wait()
    end)
    pcall(request, "capture", doc, { op = "capture", state = "stop", ["end"] = pos[2], pid = me })
    if not ok then error(r, 0) end
    return r.code or 1
  end
end

return M
