-- Attempts to push 1,000,000 values on the Lua stack at once with string.byte(s, 1, -1). Expect: string slice too long
function process_message()
    local s = string.rep("a", 1e6)
    return select("#", s:byte(1, -1))
end
