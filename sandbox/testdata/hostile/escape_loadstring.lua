-- Attempts to compile code at run time with loadstring. Expect: attempt to call a non-function object
function process_message()
    local f = loadstring("return 1")
    return 0
end
