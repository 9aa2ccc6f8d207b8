-- Attempts to end the whole process with os.exit. Expect: attempt to call a non-function object
function process_message()
    os.exit(3)
    return 0
end
