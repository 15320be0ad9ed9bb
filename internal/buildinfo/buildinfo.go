// Package buildinfo holds the version, commit and build date stamped into
// the binary by the linker (see the Makefile's -ldflags -X flags).
package buildinfo

import "runtime/debug"

// Set at link time with -ldflags "-X github.com/opendray/opendray/internal/buildinfo.Version=...".
var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

// CommitOrVCS returns Commit, or the VCS revision that the go command
// records in a plain `go build` from a git checkout, or "unknown".
func CommitOrVCS() string {
	if Commit != "" {
		return Commit
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, setting := range info.Settings {
			if setting.Key == "vcs.revision" && len(setting.Value) >= 12 {
				return setting.Value[:12]
			}
		}
	}
	return "unknown"
}

// DateOrUnknown returns Date, or "unknown" when the build did not stamp it.
func DateOrUnknown() string {
	if Date != "" {
		return Date
	}
	return "unknown"
}
