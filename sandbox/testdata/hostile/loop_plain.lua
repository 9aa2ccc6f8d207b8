-- Attempts an infinite loop, plain while true do end. Expect: instruction_limit exceeded
function process_message()
    while true do end
end
