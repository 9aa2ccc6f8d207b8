-- Attempts a pattern catastrophe: the trim idiom "^%s*(.-)%s*$" on 100,000 spaces and one letter, quadratic backtracking. Expect: instruction_limit exceeded
function process_message()
    local s = "x" .. string.rep(" ", 1e5) .. "y" .. string.rep(" ", 1e5)
    for _ = 1, 1e9 do s:match("^%s*(.-)%s*$") end
    return 0
end
