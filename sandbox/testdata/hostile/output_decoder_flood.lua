-- Attempts to queue messages without end from a decoder, whose inject quota is unlimited; the queue counts against memory and nothing may be delivered. Expect: memory_limit exceeded
-- Kind: decoder
function process_message()
    for i = 1, 1e9 do inject_message({Type = "flood", Payload = "x"}) end
    return 0
end
