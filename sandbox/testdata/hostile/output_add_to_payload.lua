-- Attempts to grow the payload buffer without end with add_to_payload, swallowing each error with pcall. Expect: output_limit exceeded
function process_message()
    for _ = 1, 1e9 do pcall(add_to_payload, "0123456789abcdef") end
    return 0
end
