-- Attempts to run a Lua file from outside the module directories with dofile. Expect: attempt to call a non-function object
function process_message()
    dofile(read_config("outside_module"))
    return 0
end
