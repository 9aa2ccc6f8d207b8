-- Attempts an infinite loop inside a table.sort comparator, called from Go. Expect: instruction_limit exceeded
function process_message()
    local t = {}
    for i = 1, 100 do t[i] = 100 - i end
    table.sort(t, function() while true do end end)
    return 0
end
