-- Attempts to load a Lua file from outside the module directories with loadfile. Expect: attempt to call a non-function object
function process_message()
    local f = loadfile(read_config("outside_module"))
    return 0
end
