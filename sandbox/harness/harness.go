// Package harness runs the tests of Lua filters and decoders: a spec file
// (NAME_test.toml) names a script, its configuration and limits, and cases
// of input messages, timer ticks on a fake clock and the messages expected
// out of the script. `sandpiper test` is its command line, and TestSpecs
// lets a Go test run every spec of a folder; docs/testing.md is the user's
// reference for the format.
//
// Each case runs on a fresh sandbox (sandbox.New) unless it continues the
// previous one, so cases do not leak state into each other by accident.
package harness
