-- Attempts linear work per call in Go: unpack, which measures the table for its default end, on a table whose array part is regrown to 100,000 slots of which only the first is set, in a loop. Expect: instruction_limit exceeded
function process_message()
    local t = {1}
    for _ = 1, 1e9 do
        t[100000] = 1
        t[100000] = nil
        pcall(unpack, t)
    end
    return 0
end
