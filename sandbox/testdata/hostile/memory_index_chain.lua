-- Attempts a huge structure as a chain of tables linked by setmetatable __index. Expect: memory_limit exceeded
function process_message()
    local t = {}
    for _ = 1, 1e9 do t = setmetatable({}, {__index = t}) end
    return 0
end
