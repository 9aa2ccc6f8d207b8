-- Attempts a 100 MB string in one Go call with a huge string.format width. Expect: invalid format (width or precision too long)
function process_message()
    formatted = string.format("%99999999d", 1)
    return 0
end
