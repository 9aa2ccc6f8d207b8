-- Attempts a 100 MB string from one gsub call: each of 10,000 bytes replaced by a 10,000-byte string. Expect: memory_limit exceeded
function process_message()
    local s = string.rep("x", 10000)
    local big = s:gsub("x", string.rep("y", 10000))
    return #big
end
