-- Loops for ever on its third message.
local n = 0

function process_message()
    n = n + 1
    if n == 3 then
        while true do end
    end
    return 0
end
