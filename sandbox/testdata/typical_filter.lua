-- The benchmark's typical filter: read three fields, update a table.
local hosts = {}

function process_message()
    local host = read_message("Hostname")
    local status = read_message("Fields[status]")
    local bytes = read_message("Fields[bytes]")
    local h = hosts[host]
    if not h then
        h = {requests = 0, bytes = 0, errors = 0}
        hosts[host] = h
    end
    h.requests = h.requests + 1
    h.bytes = h.bytes + bytes
    if status >= 500 then h.errors = h.errors + 1 end
    return 0
end
