-- Attempts linear work per instruction after every trim: t[100000] = 1 then nil regrows the array part, and # scans its 100,000 slots, in a loop. Expect: instruction_limit exceeded
function process_message()
    local t = {1}
    for _ = 1, 1e9 do
        t[100000] = 1
        t[100000] = nil
        local n = #t
    end
    return 0
end
