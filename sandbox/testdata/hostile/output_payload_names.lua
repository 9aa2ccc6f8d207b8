-- Attempts to pass 2 MB through inject_payload's type and name arguments, which become fields of the message, past the 64 KiB output_limit. Expect: output_limit exceeded
function process_message()
    inject_payload(string.rep("t", 1e6), string.rep("n", 1e6), "x")
    return 0
end
