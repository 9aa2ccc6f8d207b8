-- Attempts to push 1,000,000 values on the Lua stack at once with unpack({}, 1, 1e6), quadratic in gopher-lua's growing stack. Expect: too many results to unpack
function process_message()
    return select("#", unpack({}, 1, 1e6))
end
