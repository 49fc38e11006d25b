-- nsl.cni.err: CNI's error codes and nsl-cni's own (100+), and errors
-- raised as tables { code =, msg =, details = } that nsl.cni.main prints
-- as the error JSON.
local M = {
  INCOMPATIBLE = 1,        -- a cniVersion nsl-cni does not speak
  UNSUPPORTED_FIELD = 2,   -- an unknown key in the config
  UNKNOWN_CONTAINER = 3,
  INVALID_ENV = 4,         -- a CNI_* variable missing or malformed
  IO = 5,
  DECODE = 6,              -- stdin is not JSON
  INVALID_CONFIG = 7,      -- a config key of the wrong type or value
  TRY_AGAIN = 11,          -- a peer host not registered yet
  NOT_AVAILABLE = 50,      -- STATUS: the store cannot be reached
  INTERNAL = 100,          -- an error nsl-cni did not expect
  TOPOLOGY = 101,          -- the topology: load, node, link, placement
  STORE = 102,             -- the store refused or failed
  KERNEL = 103,            -- a netlink request refused (privilege too)
  CHECK = 104,             -- CHECK found the attachment not as ADD left it
}

local Err = { __tostring = function(e) return e.msg end }

function M.new(code, msg, details)
  return setmetatable({ code = code, msg = msg, details = details }, Err)
end

function M.raise(code, msg, details)
  error(M.new(code, msg, details), 0)
end

function M.is(e) return getmetatable(e) == Err end

-- Runs fn(...) and turns a plain error (a string, an nsl error object)
-- into code's CNI error; CNI errors pass through.
function M.wrap(code, fn, ...)
  local res = table.pack(pcall(fn, ...))
  if res[1] then return table.unpack(res, 2, res.n) end
  local e = res[2]
  if M.is(e) then error(e, 0) end
  M.raise(code, tostring(type(e) == "table" and (e.message or e.msg) or e))
end

-- M.mark(phase): with NSL_CNI_PROFILE set, notes the time a phase of
-- the call ended; M.profile() writes them on stderr, one line:
-- "nsl-cni profile: VERB phase=ms ... total=ms" (ms since the previous).
local PROFILE = os.getenv("NSL_CNI_PROFILE")
local marks = {}
function M.mark(phase)
  if PROFILE then marks[#marks + 1] = { phase, now() } end
end
function M.profile(verb)
  if not PROFILE or #marks == 0 then return end
  local out, t0 = {}, marks[1][2]
  for i = 2, #marks do
    out[#out + 1] = ("%s=%.2f"):format(marks[i][1], (marks[i][2] - marks[i - 1][2]) * 1000)
  end
  io.stderr:write(("nsl-cni profile: %s %s total=%.2f\n"):format(verb, table.concat(out, " "),
    (marks[#marks][2] - t0) * 1000))
end

return M
