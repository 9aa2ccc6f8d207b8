// Package lua_modules holds the Lua scripts shipped inside the sandpiper
// binary: ready-made decoders (decoders/) and filters (filters/), each
// beside its *_test.toml spec, which `sandpiper test` runs.
package lua_modules

import "embed"

// FS holds the shipped .lua files by their path under lua_modules/, such
// as "decoders/kv.lua". Its layout is the one the sandbox's require
// expects of sandbox.BuiltinModules (module "a.b" is the file "a/b.lua"),
// so that setting BuiltinModules to FS makes every shipped script a
// built-in module, found before the configured module directories.
//
//go:embed decoders/*.lua filters/*.lua
var FS embed.FS
