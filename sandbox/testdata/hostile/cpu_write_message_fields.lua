-- Attempts quadratic work in Go: write_message of ever new 1000-byte field names, each write comparing its name with every field written before. Expect: instruction_limit exceeded
-- Kind: decoder
function process_message()
    local prefix = "Fields[" .. string.rep("p", 1000)
    for i = 1, 1e9 do write_message(prefix .. string.format("%08d", i) .. "]", i) end
    return 0
end
