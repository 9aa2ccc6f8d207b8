-- Attempts to dump a function's bytecode with string.dump. Expect: attempt to call a non-function object
function process_message()
    local code = string.dump(process_message)
    return 0
end
