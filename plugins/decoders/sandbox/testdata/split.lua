-- Splits the Payload at commas into one message per item, in order, each
-- of Type read_config("type") with the item's position as a field.
-- "bad" fails the record; "loop" never returns.
local util = require "util"
local msg_type = read_config("type")

function process_message()
    local payload = read_message("Payload")
    if payload == "bad" then
        return -1, "bad line"
    end
    if payload == "loop" then
        while true do end
    end
    local i = 0
    for item in payload:gmatch("[^,]+") do
        i = i + 1
        inject_message({Type = msg_type, Payload = util.trim(item), Fields = {pos = i}})
    end
    return 0
end
