-- Attempts to grow the decoded message without end: write_message appends 1 KB values to one field, held in Go, outside the Lua heap. Expect: memory_limit exceeded
-- Kind: decoder
function process_message()
    local s = string.rep("x", 1000)
    for i = 0, 1e9 do write_message("Fields[big]", s .. i, "", 0, i) end
    return 0
end
