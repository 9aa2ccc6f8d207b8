-- A filter that processes its first 1000 messages, then loops for ever on
-- the next: only the sandbox's instruction_limit ends it, early in a soak.
local seen = 0

function process_message()
    seen = seen + 1
    if seen > 1000 then
        while true do
            seen = seen + 1
        end
    end
    return 0
end

function timer_event(ns)
end
