//go:build !linux

package session

// sessionMembers returns nothing where /proc is not available; signals then
// reach only the child's own process group.
// NOTE: on macOS a background job that an interactive shell put in another
// process group survives a stop.
func sessionMembers(sid int) []int { return nil }
