-- Attempts a Go panic inside a library function, math.random(0) (Go's rand.Intn(0) panics), which must become a Lua error, not a crash. Expect: /invalid argument to Intn|interval is empty/
function process_message()
    return math.random(0)
end
