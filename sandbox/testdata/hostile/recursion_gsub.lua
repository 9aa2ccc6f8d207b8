-- Attempts unbounded recursion through Go: a gsub callback that calls gsub, nesting Go stack frames. Expect: stack overflow
function process_message()
    local function f(c) return (c:gsub(".", f)) end
    f("a")
    return 0
end
