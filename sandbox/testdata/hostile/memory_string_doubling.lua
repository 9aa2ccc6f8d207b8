-- Attempts to double a string with .. until it takes gigabytes, each doubling one instruction. Expect: memory_limit exceeded
function process_message()
    local s = "x"
    for _ = 1, 40 do s = s .. s end
    return #s
end
