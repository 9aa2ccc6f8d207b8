-- Attempts to inject one message whose fields take 100,000 bytes, over the 64 KiB output_limit. Expect: output_limit exceeded
function process_message()
    local fields = {}
    for i = 1, 100 do fields["f" .. i] = string.rep("v", 1000) end
    inject_message({Type = "big", Fields = fields})
    return 0
end
