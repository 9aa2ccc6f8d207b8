-- Attempts a pattern catastrophe: find(".-.-.-.-b") on 100,000 a's, O(n^5) backtracking in one Go call. Expect: instruction_limit exceeded
function process_message()
    local s = string.rep("a", 1e5)
    return s:find(".-.-.-.-b") or 0
end
