-- Attempts quadratic work in Go: table.insert at the front of a 20,000-element table, which shifts every element, then table.remove, in a loop. Expect: instruction_limit exceeded
function process_message()
    local t = {}
    for i = 1, 20000 do t[i] = i end
    for i = 1, 1e9 do
        table.insert(t, 1, i)
        table.remove(t)
    end
    return 0
end
