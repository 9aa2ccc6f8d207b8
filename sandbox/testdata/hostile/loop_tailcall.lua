-- Attempts endless recursion by tail calls, which grow no stack. Expect: instruction_limit exceeded
function process_message()
    local function f(n) return f(n + 1) end
    return f(1)
end
