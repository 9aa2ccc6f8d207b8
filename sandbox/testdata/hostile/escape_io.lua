-- Attempts to create a file with io.open; a sandbox has no io. Expect: attempt to index a non-table object(nil) with key 'open'
function process_message()
    local f = io.open(read_config("escape_path"), "w")
    f:write("escaped")
    f:close()
    return 0
end
