-- sleep and now: the monotonic clock.
describe("sleep and now #unit", function()
  it("sleeps for the given time on the monotonic clock", function()
    local t0 = now()
    sleep(0.05)
    local dt = now() - t0
    assert.is_true(dt >= 0.05, dt)
  end)

  it("rejects a bad duration with an argument error", function()
    assert.has_error(function() sleep("soon") end,
      "bad argument #1 to 'sleep' (number expected, got string)")
    assert.has_error(function() sleep(-1) end,
      "bad argument #1 to 'sleep' (expected a non-negative number of seconds)")
  end)
end)
