-- Attempts to inject a payload of 70,000 bytes, over the 64 KiB output_limit. Expect: output_limit exceeded
function process_message()
    inject_payload("txt", "big", string.rep("p", 70000))
    return 0
end
