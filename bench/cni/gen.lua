-- bench/cni/gen.lua: the bench's topology, as a Lua description nsl-cni
-- reads: N nodes n1..nN on H hosts (consecutive blocks), a ring (N links)
-- and N/2 chords i -- i*37 mod N (about 1.5 N links), each a /30 of
-- 10.64.0.0/14.  Ring links stay on their host but at the H block edges;
-- chords mostly cross hosts (VXLAN).
--   nsl bench/cni/gen.lua N H > topo.lua
local N, H = tonumber(arg[1] or 1000), tonumber(arg[2] or 10)
local per = math.ceil(N / H)
local ifn, seen, links = {}, {}, {}
local function nextif(n) ifn[n] = (ifn[n] or 0) + 1 return "eth" .. ifn[n] end
local function add(a, b)
  if a == b then return end
  local k = a < b and a .. "-" .. b or b .. "-" .. a
  if seen[k] then return end
  seen[k] = true
  local base = (10 << 24) | (64 << 16) | (#links * 4)
  links[#links + 1] = ('  { "n%d:%s", "n%d:%s", subnet = { "%d.%d.%d.%d/30" } },'):format(
    a, nextif(a), b, nextif(b), base >> 24, (base >> 16) & 255, (base >> 8) & 255, base & 255)
end
for i = 1, N do add(i, i % N + 1) end
local c = 0
for i = 1, N do
  if c >= N // 2 then break end
  local j = (i * 37) % N + 1
  local before = #links
  add(i, j)
  if #links > before then c = c + 1 end
end
local out = { "return {", " namespaces = {" }
for i = 1, N do out[#out + 1] = '  "n' .. i .. '",' end
out[#out + 1] = " },"
out[#out + 1] = " links = {"
for _, l in ipairs(links) do out[#out + 1] = l end
out[#out + 1] = " },"
out[#out + 1] = " hosts = {"
for h = 1, H do
  local t = {}
  for i = (h - 1) * per + 1, math.min(h * per, N) do t[#t + 1] = '"n' .. i .. '"' end
  out[#out + 1] = "  h" .. h .. " = { " .. table.concat(t, ", ") .. " },"
end
out[#out + 1] = " },"
out[#out + 1] = "}"
print(table.concat(out, "\n"))
io.stderr:write(("gen: %d nodes, %d links, %d hosts\n"):format(N, #links, H))
