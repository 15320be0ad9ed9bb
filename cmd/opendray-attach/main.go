// Command opendray-attach attaches the local terminal to an opendray
// session stream: what the session prints appears here, and what you type
// goes to the session. Press Ctrl-] to detach; the session keeps running,
// and the exit message gives the -since value that resumes where you left.
//
//	opendray-attach -url http://127.0.0.1:8770 -token "$TOKEN" SESSION_ID
//
// It is a small client of the public stream protocol, for scripts and for
// trying opendray without the web admin.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
)

// detachKey is Ctrl-], as in telnet.
const detachKey = 0x1d

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin *os.File, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("opendray-attach", flag.ContinueOnError)
	flags.SetOutput(stderr)
	base := flags.String("url", envOr("OPENDRAY_URL", "http://127.0.0.1:8770"), "gateway address (env OPENDRAY_URL)")
	token := flags.String("token", os.Getenv("OPENDRAY_TOKEN"), "bearer token from POST /api/v1/auth/login (env OPENDRAY_TOKEN)")
	since := flags.String("since", "", "output offset to resume from; empty replays everything the session still holds")
	detachAfter := flags.Duration("detach-after", 0, "detach on its own after this long, for scripts (0 waits for Ctrl-] or the session's end)")
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: opendray-attach [-url URL] [-token TOKEN] [-since OFFSET] SESSION_ID")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return 2
	}
	if *token == "" {
		fmt.Fprintln(stderr, "opendray-attach: missing token; log in with POST /api/v1/auth/login and pass -token or OPENDRAY_TOKEN")
		return 2
	}
	if *since != "" {
		if _, err := strconv.ParseUint(*since, 10, 64); err != nil {
			fmt.Fprintf(stderr, "opendray-attach: -since %q is not an offset; want a whole number such as 4096\n", *since)
			return 2
		}
	}

	streamURL, err := buildStreamURL(*base, flags.Arg(0), *token, *since)
	if err != nil {
		fmt.Fprintf(stderr, "opendray-attach: %v\n", err)
		return 2
	}
	if *detachAfter < 0 {
		fmt.Fprintf(stderr, "opendray-attach: -detach-after %s is negative; want a duration such as 10s\n", *detachAfter)
		return 2
	}
	a := &attachment{stdin: stdin, stdout: stdout, stderr: stderr, detachAfter: *detachAfter}
	err = a.run(streamURL)
	switch {
	case errors.Is(err, errDetached):
		fmt.Fprintf(stderr, "\r\nopendray-attach: detached at offset %d; resume with -since %d\r\n", a.offset, a.offset)
		return 0
	case errors.Is(err, errSessionFinished):
		fmt.Fprintf(stderr, "\r\nopendray-attach: %v\r\n", a.finishMessage())
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "\r\nopendray-attach: %v\r\n", err)
		if a.offset > 0 {
			fmt.Fprintf(stderr, "opendray-attach: resume with -since %d\r\n", a.offset)
		}
		return 1
	}
	return 0
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
