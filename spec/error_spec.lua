-- The error objects of primitives.
describe("error objects #unit", function()
  local function catch(...)
    local ok, err = pcall(...)
    assert.is_false(ok)
    return err
  end

  it("read as '<primitive>: <object>: <reason>' with the errno and its name", function()
    local err = catch(nsl.fail, "ns_add", "blue", "File exists", 17)
    assert.equal("ns_add: blue: File exists", tostring(err))
    assert.same({ "ns_add", "blue", "File exists", 17, "EEXIST" },
      { err.primitive, err.object, err.reason, err.errno, err.code })
  end)

  it("take the reason from the errno when none is given", function()
    local err = catch(nsl.fail, "link_del", "veth9", nil, 19)
    assert.equal("link_del: veth9: No such device", tostring(err))
    assert.equal("ENODEV", err.code)
  end)

  it("act as strings for matching and concatenation", function()
    local err = catch(nsl.fail, "ns_del", "x", "No such file or directory", 2)
    assert.equal("file", err:match("file"))
    assert.truthy(err:find("ns_del", 1, true))
    assert.equal("error: ns_del: x: No such file or directory", "error: " .. err)
    assert.has_error(function() nsl.fail("p", "o", "why") end, "p: o: why")
  end)
end)
