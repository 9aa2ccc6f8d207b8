-- Attempts to break the host API by rawset on _G of read_message, inject_message and process_message. Expect: attempt to call a non-function object
function process_message()
    rawset(_G, "inject_message", nil)
    rawset(_G, "process_message", nil)
    rawset(_G, "read_message", nil)
    return read_message("Type")
end
