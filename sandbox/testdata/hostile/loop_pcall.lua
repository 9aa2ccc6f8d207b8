-- Attempts an infinite loop that catches the limit error with pcall and starts again. Expect: instruction_limit exceeded
function process_message()
    while true do
        pcall(function() while true do end end)
    end
end
