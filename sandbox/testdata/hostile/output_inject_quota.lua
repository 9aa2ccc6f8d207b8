-- Attempts to inject 100 messages from one process_message call; a filter's quota is 1. Expect: inject_message() exceeded the inject quota
function process_message()
    for i = 1, 100 do inject_message({Type = "flood", Payload = tostring(i)}) end
    return 0
end
