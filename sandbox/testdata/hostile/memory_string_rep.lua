-- Attempts a gigabyte string in one Go call with string.rep and a huge count. Expect: memory_limit exceeded
function process_message()
    local s = string.rep("x", 1e9)
    return #s
end
