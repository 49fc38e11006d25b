-- Helpers of the rootless specs (spec/rootless_spec.lua,
-- spec/rootless_outside_spec.lua): the unprivileged caller (nobody, through
-- setpriv), the files it runs, and what its runs may leave on the machine.
local T = require "spec.support.util"

local M = {}

-- The prefix that runs a command as nobody; nsl's note when it goes rootless.
M.AS_NOBODY = "setpriv --reuid=65534 --regid=65534 --clear-groups "
M.NOTE = "nsl: not privileged: running rootless, in a user namespace of its own (NSL_ROOTLESS=0: never)\n"

-- Can nobody make a user namespace here?  Else the tests are pending.
function M.need_userns()
  if not T.need_sandbox() then return false end
  local r = T.sh(M.AS_NOBODY .. "unshare --user --map-root-user true")
  if r.code ~= 0 then
    T.pending("an unprivileged user cannot make a user namespace here: " .. r.err)
    return false
  end
  return true
end

-- A directory nobody can read, with files in it.
local dirs = {}
function M.nobody_dir(files)
  local dir = T.tmpdir()
  dirs[#dirs + 1] = dir
  for name, text in pairs(files) do
    os.execute("mkdir -p " .. T.quote((dir .. "/" .. name):match("^(.*)/")))
    T.write(dir .. "/" .. name, text)
  end
  os.execute("chmod -R a+rX " .. T.quote(dir))
  return dir
end

-- What an unprivileged run may have left on the machine: processes of
-- nobody, records under /run/nsl, namespaces under /run/netns.
function M.leftovers()
  local r = T.sh("ps -u 65534 -o pid=,args=; ls /run/netns | grep -v '^nsl-rl-uplink$'; " ..
    "ls /run/nsl 2>/dev/null | grep -v '^uts$'")
  return r.out .. T.other_records()
end

-- nsl as nobody with XDG_RUNTIME_DIR at dir/xdg (a nobody_dir with an
-- "xdg/.keep"), that directory made nobody's own (0700) first.
function M.nsl_with_xdg(dir)
  os.execute("chown 65534 " .. dir .. "/xdg && chmod 700 " .. dir .. "/xdg")
  return M.AS_NOBODY .. "env XDG_RUNTIME_DIR=" .. dir .. "/xdg " .. T.quote(T.nsl)
end

-- Removes the directories nobody_dir made (each test's after_each).
function M.rm_dirs()
  for _, d in ipairs(dirs) do T.rm(d) end
  dirs = {}
end

return M
