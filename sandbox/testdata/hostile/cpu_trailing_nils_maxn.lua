-- Attempts linear work per call in Go: table.maxn, which scans back for the last value, on a table whose array part is regrown to 100,000 slots of which only the first is set, in a loop. Expect: instruction_limit exceeded
function process_message()
    local t = {1}
    for _ = 1, 1e9 do
        t[100000] = 1
        t[100000] = nil
        table.maxn(t)
    end
    return 0
end
