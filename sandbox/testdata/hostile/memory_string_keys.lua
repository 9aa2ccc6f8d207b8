-- Attempts to fill a table with distinct long string keys, kept across calls in a global. Expect: memory_limit exceeded
keys = {}
function process_message()
    local pad = string.rep("k", 200)
    for i = 1, 1e9 do keys[pad .. i] = true end
    return 0
end
