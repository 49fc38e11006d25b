-- nsl.test.artifacts: a world test's files.  While it runs, its service
-- logs and captures live in a private folder under TMPDIR (removed after
-- the test); when it fails, they are copied, with the report of the
-- moment of failure, the DOT picture, the failure and the output of the
-- commands that failed, to NSL_ARTIFACTS (default nsl-artifacts)
-- /<spec file>/<test name>/, and one line on stderr names the folder.
local core = require("nsl.core")

local M = {}

local function clean_name(s)
  s = tostring(s):gsub("%s#[%w_%-]+", ""):gsub("[^%w%-%._]+", "_"):gsub("^_+", ""):gsub("_+$", "")
  if #s > 120 then s = s:sub(1, 120) end
  return s ~= "" and s or "test"
end

-- The folder of a test { name =, file = } (not made yet).
function M.dir(test)
  local root = os.getenv("NSL_ARTIFACTS")
  if not root or root == "" then root = "nsl-artifacts" end
  local file = (test.file or "spec"):match("([^/]+)$")
  return root .. "/" .. clean_name(file) .. "/" .. clean_name(test.name)
end

-- A fresh private folder (0700, this process's) for the live files of
-- the world with prefix: TMPDIR/nsl-test-<prefix>XXXXXX, made by mkdtemp,
-- so a folder another user made beforehand under a name we might pick
-- is never the one used.
function M.tmpdir(prefix)
  local base = os.getenv("TMPDIR")
  if not base or base == "" then base = "/tmp" end
  return core.mkdtemp(base .. "/nsl-test-" .. prefix)
end

-- Writes text to path, whole (a full disk is an error too); raises.
local function write(path, text)
  local f = assert(io.open(path, "wb"))
  local ok, err = f:write(text)
  if ok then ok, err = f:close() else f:close() end
  if not ok then error(path .. ": " .. tostring(err), 0) end
end

local function copy(from, to)
  local f = io.open(from, "rb")
  if not f then return false end
  local data = f:read("a")
  f:close()
  write(to, data)
  return true
end

local function files_of(w)
  local out = {}
  local t = rawget(w, "t")
  for name, path in pairs((t and t.logfiles) or w.logfiles or {}) do
    out[#out + 1] = { kind = "log", name = name, path = path }
  end
  for _, c in ipairs(w.captures or {}) do
    out[#out + 1] = { kind = "capture", path = c.file }
  end
  return out
end

-- Copies what w's failed test leaves to dir; raises when it cannot.
local function save(w, failure, dir)
  core._mkdir(dir)
  write(dir .. "/failure.txt", failure .. "\n")
  write(dir .. "/report.txt", (w.snap_report or "(the world was not up when the test failed)") .. "\n")
  local t = rawget(w, "t")
  local dot = w.snap_dot
  if not dot and t then
    local ok, d = pcall(t.dot, t)
    dot = ok and d or nil
  end
  if dot then write(dir .. "/topology.dot", dot .. "\n") end
  for _, f in ipairs(files_of(w)) do
    if f.kind == "log" then
      core._mkdir(dir .. "/logs")
      copy(f.path, dir .. "/logs/" .. f.name .. ".log")
    else
      core._mkdir(dir .. "/captures")
      copy(f.path, dir .. "/captures/" .. f.path:match("([^/]+)$"))
    end
  end
  if #(w.failed_cmds or {}) > 0 then
    local out = {}
    for _, c in ipairs(w.failed_cmds) do
      local r = c.result
      local cmd = type(c.cmd) == "table" and table.concat(c.cmd, " ") or tostring(c.cmd)
      out[#out + 1] = string.format("$ %s   (in %s) -> %s\n--- stdout\n%s\n--- stderr\n%s\n", cmd,
        c.node, r.timed_out and "timed out" or r.code and ("exit " .. r.code) or
        ("signal " .. tostring(r.signal)), r.stdout or "", r.stderr or "")
    end
    write(dir .. "/commands.txt", table.concat(out, "\n"))
  end
end

local told = {} -- the reasons already given on stderr

-- Copies what w's failed test leaves to its folder and prints the line
-- naming it.  Never raises: the world's teardown comes next whatever
-- happens here.  A failure to save is one line on stderr, given once
-- per reason (an unwritable NSL_ARTIFACTS fails every test the same
-- way); returns false then.
function M.save(w, failure)
  local name = (w.test or {}).name or "?"
  local dir = w.artifacts_dir or M.dir(w.test or {})
  local ok, err = pcall(save, w, failure, dir)
  local reason = tostring(err):gsub("%s+$", "")
  if ok then
    io.stderr:write("nsl.test: artifacts of the failed test \"" .. name .. "\" in " .. dir .. "/\n")
  elseif not told[reason] then
    told[reason] = true
    io.stderr:write("nsl.test: cannot save the artifacts of the failed test \"" .. name .. "\" in " ..
      dir .. "/: " .. reason .. "\n")
  end
  io.stderr:flush()
  return ok
end

-- Removes the private folder of w's test (logs, captures, w:file's).
function M.cleanup(w)
  -- Only a folder of the shape tmpdir makes.
  if w.dir and w.dir:match("/nsl%-test%-w%w+%-%w%w%w%w%w%w$") then core._rmtree(w.dir) end
  w.dir, w.logfiles, w.captures = nil, nil, {}
end

return M
