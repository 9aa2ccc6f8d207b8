-- Attempts to inject without end from one process_message call, swallowing each quota error with pcall. Expect: instruction_limit exceeded
function process_message()
    for i = 1, 1e9 do pcall(inject_message, {Type = "flood", Payload = tostring(i)}) end
    return 0
end
