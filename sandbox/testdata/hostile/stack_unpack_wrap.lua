-- Attempts to wrap the count of unpack's results around 32 bits, unpack({}, -2^31, 2^31), so that a bound on the count lets it through. Expect: too many results to unpack
function process_message()
    return select("#", unpack({}, -2^31, 2^31))
end
