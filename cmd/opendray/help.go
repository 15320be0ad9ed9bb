package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/opendray/opendray/internal/buildinfo"
)

// command is one line of the help text.
type command struct {
	name    string
	summary string
	// later marks a command that is listed but not in this build yet.
	later bool
}

var commands = []command{
	{name: "serve [-config FILE]", summary: "run the gateway (the only command that listens)"},
	{name: "migrate [-config FILE]", summary: "apply pending database migrations, then exit"},
	{name: "notes", summary: "operations on the filesystem notes vault", later: true},
	{name: "skill", summary: "inspect and load agent skills", later: true},
	{name: "mcp", summary: "inspect the MCP server registry", later: true},
	{name: "mcp-memory", summary: "stdio MCP server that agents use for memory", later: true},
	{name: "version", summary: "print version, commit and build date"},
	{name: "help", summary: "print this help"},
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "opendray: a self-hosted gateway for AI coding agents in server-side PTY sessions")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: opendray <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands {
		summary := c.summary
		if c.later {
			summary += " (not available in this build yet)"
		}
		fmt.Fprintf(w, "  %-24s %s\n", c.name, summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "-config FILE names a TOML file (default: $OPENDRAY_CONFIG, else none).")
	fmt.Fprintln(w, "Every key can be set with an OPENDRAY_* environment variable, which wins")
	fmt.Fprintln(w, "over the file; config.example.toml lists them all.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Exit codes: 0 success, 1 failure, 2 bad usage or configuration.")
}

func printVersion(w io.Writer) {
	fmt.Fprintf(w, "opendray %s (commit %s, built %s, %s %s/%s)\n",
		buildinfo.Version, buildinfo.CommitOrVCS(), buildinfo.DateOrUnknown(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
