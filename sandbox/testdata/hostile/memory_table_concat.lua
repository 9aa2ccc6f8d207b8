-- Attempts a 30 MB string in one Go call: table.concat of a table holding 30000 references to one 1 KB string (1.5 MB measured). Expect: memory_limit exceeded
function process_message()
    local piece = string.rep("y", 1000)
    local t = {}
    for i = 1, 30000 do t[i] = piece end
    big = table.concat(t)
    return 0
end
