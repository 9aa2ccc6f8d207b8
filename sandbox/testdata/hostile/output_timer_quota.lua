-- Attempts to inject 1,000 messages from one timer_event call; a filter's quota there is 10. Expect: inject_message() exceeded the inject quota
-- Call: timer_event
function process_message() return 0 end
function timer_event()
    for i = 1, 1000 do inject_message({Type = "flood", Payload = tostring(i)}) end
end
