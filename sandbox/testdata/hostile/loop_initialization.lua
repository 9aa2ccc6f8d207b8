-- Attempts an infinite loop in the script's top level, so that New never returns. Expect: initialization instruction_limit exceeded
-- Call: initialization
while true do end
function process_message() return 0 end
