-- A filter that keeps strings of about 1 KB, one per message, until it
-- holds about 6.5 MB, then lets them all go: run under an 8 MB memory_limit,
-- its retained heap rises to near the limit and falls again for as long as
-- messages come, which the sandbox's accounting must follow without ending it.
local held = {}
local cycles = 0

function process_message()
    held[#held + 1] = string.rep("x", 1000) .. #held
    if #held >= 6500 then
        held = {}
        cycles = cycles + 1
    end
    return 0
end

function timer_event(ns)
end
