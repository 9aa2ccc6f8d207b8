-- Attempts linear work per call in Go: table.getn, which is #, on a table whose array part is regrown to 100,000 slots of which only the first is set, in a loop. Expect: instruction_limit exceeded
function process_message()
    local t = {1}
    for _ = 1, 1e9 do
        t[100000] = 1
        t[100000] = nil
        table.getn(t)
    end
    return 0
end
