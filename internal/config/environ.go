package config

import (
	"fmt"
	"slices"
	"strings"
)

// otherTools are OPENDRAY_* variables that opendray-attach, the tests and
// the UI tooling read, so they are not typos in the gateway's environment.
var otherTools = []string{
	"OPENDRAY_CONFIG", "OPENDRAY_URL", "OPENDRAY_TOKEN",
	"OPENDRAY_TEST_DATABASE_URL", "OPENDRAY_E2E_DATABASE_URL",
	"OPENDRAY_BIN", "OPENDRAY_ARTIFACTS", "OPENDRAY_CHROMIUM", "OPENDRAY_DEV_BACKEND",
}

// UnknownEnv returns a warning for each OPENDRAY_* variable in environ
// (NAME=value pairs, as os.Environ returns) that no part of opendray
// reads, with the nearest known name when one is close. A misspelt
// variable is otherwise ignored without a trace.
func UnknownEnv(environ []string) []string {
	known := append(EnvNames(), otherTools...)
	var warnings []string
	for _, pair := range environ {
		name, _, _ := strings.Cut(pair, "=")
		if !strings.HasPrefix(name, "OPENDRAY_") || slices.Contains(known, name) {
			continue
		}
		msg := fmt.Sprintf("environment variable %s is not one opendray reads, so it has no effect", name)
		if suggestion := closest(name, known); suggestion != "" {
			msg += fmt.Sprintf("; did you mean %s?", suggestion)
		}
		warnings = append(warnings, msg)
	}
	slices.Sort(warnings)
	return warnings
}
