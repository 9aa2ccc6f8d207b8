-- Attempts to change the environment of a host function with setfenv. Expect: cannot change the environment of given object
function process_message()
    setfenv(read_message, {})
    return 0
end
