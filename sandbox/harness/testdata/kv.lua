-- A decoder: turns "key=value key2=value2" lines into typed fields.
function process_message()
    local line = read_message("Payload")
    local fields = {}
    local n = 0
    for k, v in string.gmatch(line, "(%w+)=(%S+)") do
        local num = tonumber(v)
        if num and string.find(v, "^-?%d+$") then
            fields[k] = {value = num, value_type = 2}
        elseif num then
            fields[k] = num
        else
            fields[k] = v
        end
        n = n + 1
    end
    if n == 0 then
        return -1, "bad line: no key=value in " .. line
    end
    inject_message({Type = "kv", Fields = fields})
    return 0
end
