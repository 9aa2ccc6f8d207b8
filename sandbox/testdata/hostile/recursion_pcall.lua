-- Attempts recursion through pcall that swallows each stack overflow and recurses again, an exponential call tree. Expect: instruction_limit exceeded
function process_message()
    local function f()
        while true do pcall(f) end
    end
    f()
    return 0
end
