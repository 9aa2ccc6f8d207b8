-- Attempts a pattern catastrophe through gsub: "(.-)(.-)(.-)c" on 100,000 bytes without a c. Expect: instruction_limit exceeded
function process_message()
    local s = string.rep("ab", 5e4)
    local r = s:gsub("(.-)(.-)(.-)c", "%3")
    return #r
end
