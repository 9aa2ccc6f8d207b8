-- A filter whose process_message never returns: only the sandbox's
-- instruction_limit can stop it.
local spins = 0

function process_message()
    while true do
        spins = spins + 1
    end
end

function timer_event(ns)
end
