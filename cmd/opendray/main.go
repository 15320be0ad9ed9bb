// Command opendray is a self-hosted gateway that runs AI coding agents and
// shells as server-side PTY sessions. See `opendray help`.
package main

import (
	"fmt"
	"os"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed
	exitUsage   = 2 // bad command line or configuration, or a command not in this build
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run dispatches a subcommand and returns the exit code.
func run(args []string) int {
	if len(args) == 0 {
		printHelp(os.Stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "serve":
		return runServe(rest)
	case "migrate":
		return runMigrate(rest)
	case "version", "-version", "--version":
		printVersion(os.Stdout)
		return exitOK
	case "help", "-h", "-help", "--help":
		printHelp(os.Stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name == name && c.later {
			fmt.Fprintf(os.Stderr, "opendray: %s is not available in this build yet\n", name)
			return exitUsage
		}
	}
	fmt.Fprintf(os.Stderr, "opendray: unknown command %q; run `opendray help` for the list\n", name)
	return exitUsage
}

// fail prints a one-line error to stderr and returns code.
func fail(code int, format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "opendray: "+format+"\n", args...)
	return code
}
