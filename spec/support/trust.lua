-- Helpers of the trust specs (spec/trust_spec.lua, spec/trust_files_spec.lua):
-- what their runs may leave (names tr-*, the `sleep 78.` markers, other
-- runs' records) and its removal.  Bystanders are ip's, never removed here.
local T = require "spec.support.util"

local M = {}

-- Names ip netns list shows, sorted.
function M.ip_netns()
  local list = {}
  for name in T.sh("ip netns list").out:gmatch("(%S+)[^\n]*\n") do list[#list + 1] = name end
  table.sort(list)
  return list
end

-- Does ip see a link of that name?
function M.has_link(name) return T.sh("ip link show " .. name).code == 0 end

-- What bare runs of these specs could leave: namespaces and links named
-- tr-*, the marker processes, records of other runs and UTS files.
function M.leftovers()
  local out = {}
  for _, n in ipairs(M.ip_netns()) do if n:match("^tr%-") then out[#out + 1] = "namespace " .. n end end
  for name in T.sh("ip -o link show").out:gmatch("%d+: ([^:@]+)") do
    if name:match("^tr%-") then out[#out + 1] = "link " .. name end
  end
  if T.sh("pgrep -f 'sleep 78[.]'").code == 0 then out[#out + 1] = "a marker process" end
  for line in T.other_records():gmatch("[^\n]+") do out[#out + 1] = "record " .. line end
  return out
end

-- Removes what leftovers() lists: --clean first, then by name.
function M.scrub()
  T.run({ "--clean" })
  for _, n in ipairs(M.ip_netns()) do if n:match("^tr%-") then T.sh("ip netns del " .. n) end end
  for name in T.sh("ip -o link show").out:gmatch("%d+: ([^:@]+)") do
    if name:match("^tr%-") then T.sh("ip link del " .. name) end
  end
  T.sh("pkill -KILL -f 'sleep 78[.]'")
end

return M
