-- Attempts a pattern catastrophe through gmatch: "a*a*a*b" tried at each of 100,000 positions. Expect: instruction_limit exceeded
function process_message()
    local s = string.rep("a", 1e5)
    for w in s:gmatch("a*a*a*b") do return -1, w end
    return 0
end
