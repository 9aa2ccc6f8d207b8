-- Attempts to reach hidden real globals through getfenv of every level and of host functions, then use io. Expect: attempt to index a non-table object(nil) with key 'open'
function process_message()
    local found
    for _, target in ipairs({0, 1, 2, print, read_message, inject_message, string.find}) do
        local ok, env = pcall(getfenv, target)
        if ok and type(env) == "table" and env.io then found = env.io end
    end
    found.open(read_config("escape_path"), "w")
    return 0
end
