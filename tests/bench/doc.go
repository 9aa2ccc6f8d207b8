// Package bench holds the daemon's benchmarks: whole pipelines built from a
// TOML configuration and run to their end in batch mode, each measured
// beside its baseline in the same run (the bare decode loop, the bare
// gopher-lua loop, the sandbox called directly), so that the figures are
// ratios that hold on a noisy machine. The package has no code of its own
// outside its tests; README.md says what each benchmark measures and
// docs/performance.md keeps the figures.
package bench
