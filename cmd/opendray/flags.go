package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/opendray/opendray/internal/config"
)

// loadConfig parses the -config flag of a subcommand and loads the
// configuration. The error is one line, ready for stderr.
func loadConfig(command string, args []string) (config.Config, error) {
	flags := flag.NewFlagSet(command, flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	path := flags.String("config", os.Getenv("OPENDRAY_CONFIG"), "TOML configuration file")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config.Config{}, fmt.Errorf("usage: opendray %s [-config FILE]", command)
		}
		return config.Config{}, fmt.Errorf("%s: %v; usage: opendray %s [-config FILE]", command, err, command)
	}
	if flags.NArg() > 0 {
		return config.Config{}, fmt.Errorf("%s: unexpected argument %q; usage: opendray %s [-config FILE]", command, flags.Arg(0), command)
	}
	return config.Load(*path, os.LookupEnv)
}
