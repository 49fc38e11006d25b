-- nsl.check: progress and self-checks for scripts that verify what they
-- build (the examples, smoke tests).
--
--   local check = require "nsl.check"
--   check.step("create netns1")           -- "▸ create netns1"
--   check.ok(ns_exists("netns1"), "netns1 exists")   -- "  ✓ netns1 exists"
--   check.eq(link_get("lo", {ns="netns1"}).up, false, "lo starts DOWN")
--   os.exit(check.finish())               -- summary; true when all passed
local pretty = require("nsl.pretty").format

local M = {}

local passed, failed = 0, 0
local out = io.stdout

local function line(s)
  out:write(s, "\n")
  out:flush()
end

-- Announces what the script does next.
function M.step(what)
  line("▸ " .. what)
end

-- Records a check; detail (a string or a value) is shown when it fails.
-- Returns cond, so a script can branch on it.
function M.ok(cond, what, detail)
  if cond then
    passed = passed + 1
    line("  ✓ " .. what)
  else
    failed = failed + 1
    local extra = ""
    if detail ~= nil then
      extra = ": " .. (type(detail) == "string" and detail or pretty(detail))
    end
    line("  ✗ " .. what .. extra)
  end
  return cond and true or false
end

-- ok() for an equality, showing both sides when they differ.
function M.eq(actual, expected, what)
  return M.ok(actual == expected, what,
    "expected " .. pretty(expected) .. ", got " .. pretty(actual))
end

-- Prints the summary; returns true when every check passed (for os.exit).
function M.finish()
  line(string.format("%s %d passed, %d failed", failed == 0 and "✓" or "✗", passed, failed))
  return failed == 0
end

-- The counts so far.
function M.counts()
  return passed, failed
end

return M
