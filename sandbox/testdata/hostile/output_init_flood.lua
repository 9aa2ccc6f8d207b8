-- Attempts to inject messages without end from the script's top level, where no call's quota applies; no message may leave a sandbox that has not started, whatever stops it. Expect: initialization
-- Call: initialization
for i = 1, 1e9 do inject_message({Type = "flood", Payload = tostring(i)}) end
function process_message() return 0 end
