-- A syntax error on line 3.
function process_message()
    return 0 +
end
