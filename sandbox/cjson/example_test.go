package cjson_test

import (
	"fmt"

	lua "github.com/yuin/gopher-lua"

	"sandpiper/sandbox/budget"
	"sandpiper/sandbox/cjson"
)

func ExampleLoader() {
	L := lua.NewState()
	defer L.Close()
	L.PreloadModule("cjson", cjson.Loader(&budget.Fixed{StepsLeft: 100000, BytesLeft: 64 << 10}))
	err := L.DoString(`
		local cjson = require "cjson"
		local event = cjson.decode('{"status":200,"tags":["web","prod"],"user":null}')
		print(event.status, event.tags[2], event.user == cjson.null)
		print(cjson.encode({status = event.status, bytes = 2^40, ratio = 1/3}))
		print(pcall(cjson.encode, string.rep("x", 100000)))
	`)
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// 200	prod	true
	// {"status":200,"bytes":1099511627776,"ratio":0.33333333333333}
	// false	memory_limit exceeded
}
