-- Attempts to compile code at run time with load. Expect: attempt to call a non-function object
function process_message()
    local f = load(function() return nil end)
    return 0
end
