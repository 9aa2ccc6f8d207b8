//go:build race

package matcher

// raceEnabled reports a -race build, whose sync.Pool drops items at random,
// so that the regexp package's cached machines are sometimes made again.
const raceEnabled = true
