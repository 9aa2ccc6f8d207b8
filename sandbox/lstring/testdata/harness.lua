-- The harness of cases_test.go, run by gopher-lua with package lstring and by
-- C Lua 5.1: RUN(expr) evaluates expr and serialises its results or error
-- the same way on both; G(s, p) lists what string.gmatch(s, p) yields.
local function ser(v)
	local t = type(v)
	if t == "string" then
		local o = '"'
		for i = 1, #v do
			local b = string.byte(v, i)
			if b < 32 or b > 126 or b == 34 or b == 92 then
				o = o .. "\\" .. b
			else
				o = o .. string.char(b)
			end
		end
		return o .. '"'
	elseif t == "number" or t == "boolean" or t == "nil" then
		return tostring(v)
	end
	return t
end
local function serall(n, ...)
	local o = ""
	for i = 1, n do
		if i > 1 then o = o .. " " end
		o = o .. ser((select(i, ...)))
	end
	return o
end
function G(s, p)
	local o, it = "", string.gmatch(s, p)
	local function step(...)
		if select('#', ...) == 0 then return false end
		o = o .. "[" .. serall(select('#', ...), ...) .. "]"
		return true
	end
	for i = 1, 50 do
		if not step(it()) then break end
	end
	return o
end
function RUN(code)
	local f, err = loadstring("return " .. code, "=case")
	if not f then return "compile: " .. err end
	local function finish(ok, ...)
		if ok then return serall(select('#', ...), ...) end
		local msg = tostring((...))
		-- gopher-lua keeps the '=' that tells C Lua to use the name as is.
		if string.sub(msg, 1, 6) == "=case:" then msg = string.sub(msg, 2) end
		return "error: " .. msg
	end
	return finish(pcall(f))
end
