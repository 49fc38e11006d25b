-- nsl.test.assertions: luassert assertions over worlds, registered when
-- nsl.test is loaded: assert.reaches, assert.not_reaches, assert.listens,
-- assert.matches_json.  Each failure message shows what was seen.
local json = require("nsl.json")
local pretty = require("nsl.pretty").format
-- busted's own libraries: without them (nsl.test outside busted) there
-- is nothing to register.
local ok, assert = pcall(require, "luassert")
local ok2, say = pcall(require, "say")

return function(nt)
  if not ok or not ok2 then return end

  -- Replaces the arguments by the texts of the message (not formatted
  -- again by luassert).
  local function show(arguments, ...)
    local texts = { ... }
    for i = 1, math.max(#texts, arguments.n or #arguments) do arguments[i] = texts[i] or "" end
    arguments.n = #texts
    arguments.nofmt = {}
    for i = 1, #texts do arguments.nofmt[i] = true end
  end

  -- assert.<name> with its messages (positive: what failed; negative:
  -- what failed under assert.is_not).
  local function register(name, fn, positive, negative)
    say:set("assertion.nsl_" .. name .. ".positive", positive)
    say:set("assertion.nsl_" .. name .. ".negative", negative)
    assert:register("assertion", name, fn, "assertion.nsl_" .. name .. ".positive",
      "assertion.nsl_" .. name .. ".negative")
  end

  -- assert.reaches(w, a, b [, family]): a ping from a to b answers.
  local function reaches(_, arguments)
    local w, a, b, family = arguments[1], arguments[2], arguments[3], arguments[4]
    local r, seen = nt.reachable(w, a, b, family)
    show(arguments, tostring(a), tostring(b), tostring(seen))
    return r
  end
  register("reaches", reaches,
    "Expected %s to reach %s, but it did not:\n%s",
    "Expected %s not to reach %s, but it did (%s)")

  -- assert.not_reaches(w, a, b [, family]).
  local function not_reaches(state, arguments)
    return not reaches(state, arguments)
  end
  register("not_reaches", not_reaches,
    "Expected %s not to reach %s, but it did (%s)",
    "Expected %s to reach %s, but it did not:\n%s")

  -- assert.listens(w, node, port [, proto]).
  local function listens(_, arguments)
    local w, node, port, proto = arguments[1], arguments[2], arguments[3], arguments[4]
    local r, seen = nt.listening(w, node, port, proto)
    show(arguments, tostring(node), (proto or "tcp") .. " port " .. tostring(port), seen or "it does")
    return r
  end
  register("listens", listens,
    "Expected %s to listen on %s: %s",
    "Expected %s not to listen on %s, but %s")

  -- assert.matches_json(actual, subset): actual (a table, or JSON text
  -- decoded with nsl.json) holds every key of subset with equal values,
  -- recursively; arrays match element by element, keys absent from
  -- subset are not compared.
  local function matches_json(_, arguments)
    local actual, subset = arguments[1], arguments[2]
    if type(actual) == "string" then
      local decoded, v = pcall(json.decode, actual)
      if not decoded then
        show(arguments, "$", "valid JSON", "decoding failed: " .. tostring(v))
        return false
      end
      actual = v
    end
    local r, where, seen, want = nt.json_subset(actual, subset)
    if r then show(arguments, "", "") return true end
    show(arguments, where, pretty(want), pretty(seen))
    return false
  end
  register("matches_json", matches_json,
    "Expected the JSON to match at %s:\nexpected %s\n     got %s",
    "Expected the JSON not to match the subset%s%s")
end
