-- Attempts an endless lookup through two tables that are each other's __index. Expect: too many recursions in gettable
function process_message()
    local a, b = {}, {}
    setmetatable(a, {__index = b})
    setmetatable(b, {__index = a})
    return a.missing
end
