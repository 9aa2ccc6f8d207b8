-- Attempts a 16 MB array part in one instruction, t[1e6] = 1 on an empty table (gopher-lua puts integer keys in the array part), in a loop of fresh tables. Expect: memory_limit exceeded
function process_message()
    keep = {}
    for i = 1, 100 do
        local t = {}
        t[1e6] = i
        keep[i] = t
    end
    return 0
end
