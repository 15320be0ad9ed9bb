package session

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
)

// Size limits of a CreateRequest.
const (
	defaultCols   = 80
	defaultRows   = 24
	maxDimension  = 1000
	maxNameLength = 200
	maxArgs       = 256
	maxArgBytes   = 64 << 10
	maxEnvEntries = 256
)

// CreateRequest is the body of a create call. Provider "custom" (or an
// empty provider with a Command) runs Command; the built-in providers run
// their own executable with Args. Cols and Rows default to 80x24 when nil.
type CreateRequest struct {
	Provider string            `json:"provider"`
	Command  string            `json:"command"`
	Args     []string          `json:"args"`
	Cwd      string            `json:"cwd"`
	Env      map[string]string `json:"env"`
	Name     string            `json:"name"`
	Cols     *int              `json:"cols"`
	Rows     *int              `json:"rows"`
}

// launchSpec is a validated CreateRequest with the executable resolved and
// the environment built.
type launchSpec struct {
	Provider   string
	Name       string
	Command    string // as recorded: the resolved path
	Path       string
	Args       []string
	Cwd        string
	Env        []string
	Cols, Rows int
}

func invalid(format string, args ...any) error {
	return newPublicError(ErrInvalid, fmt.Sprintf(format, args...))
}

// resolve validates req and turns it into a launchSpec. Every error wraps
// ErrInvalid and names the bad value and the fix.
func (c catalog) resolve(req *CreateRequest) (*launchSpec, error) {
	provider := req.Provider
	if provider == "" && req.Command != "" {
		provider = ProviderCustom
	}
	if provider == "" {
		provider = ProviderShell
	}

	var command string
	switch provider {
	case ProviderShell:
		command = c.shellCommand()
	case ProviderClaude, ProviderCodex, ProviderGemini:
		command = provider
	case ProviderCustom:
		if strings.TrimSpace(req.Command) == "" {
			return nil, invalid("provider custom needs a command; set \"command\" to the program to run")
		}
		command = req.Command
	default:
		return nil, invalid("unknown provider %q; use one of shell, claude, codex, gemini or custom", req.Provider)
	}
	if provider != ProviderCustom && req.Command != "" {
		return nil, invalid("provider %s runs its own command; drop \"command\" or use provider custom", provider)
	}

	cwd, err := c.resolveCwd(req.Cwd)
	if err != nil {
		return nil, err
	}

	path, err := c.resolveCommand(provider, command, cwd)
	if err != nil {
		return nil, err
	}

	if len(req.Args) > maxArgs {
		return nil, invalid("%d args given; at most %d are accepted", len(req.Args), maxArgs)
	}
	argBytes := 0
	for i, arg := range req.Args {
		if strings.IndexByte(arg, 0) >= 0 {
			return nil, invalid("args[%d] contains a NUL byte, which a command line cannot carry", i)
		}
		argBytes += len(arg)
	}
	if argBytes > maxArgBytes {
		return nil, invalid("args add up to %d bytes; at most %d are accepted", argBytes, maxArgBytes)
	}

	env, err := buildEnv(os.Environ(), req.Env)
	if err != nil {
		return nil, err
	}

	cols, err := dimension("cols", req.Cols, defaultCols)
	if err != nil {
		return nil, err
	}
	rows, err := dimension("rows", req.Rows, defaultRows)
	if err != nil {
		return nil, err
	}

	name, err := sessionName(req.Name, provider, path)
	if err != nil {
		return nil, err
	}

	return &launchSpec{
		Provider: provider,
		Name:     name,
		Command:  path,
		Path:     path,
		Args:     append([]string{}, req.Args...), // never nil, so JSON shows []
		Cwd:      cwd,
		Env:      env,
		Cols:     cols,
		Rows:     rows,
	}, nil
}

func (c catalog) resolveCwd(cwd string) (string, error) {
	if cwd == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", invalid("no cwd given and the gateway user has no home directory; set \"cwd\" to an absolute path")
		}
		cwd = home
	}
	if !filepath.IsAbs(cwd) {
		return "", invalid("cwd %q is not an absolute path; pass a path starting with /", cwd)
	}
	info, err := os.Stat(cwd)
	if err != nil {
		return "", invalid("cwd %q does not exist or cannot be read; pass an existing directory", cwd)
	}
	if !info.IsDir() {
		return "", invalid("cwd %q is not a directory; pass a directory", cwd)
	}
	return filepath.Clean(cwd), nil
}

func (c catalog) resolveCommand(provider, command, cwd string) (string, error) {
	if provider == ProviderCustom && !filepath.IsAbs(command) && strings.ContainsRune(command, '/') {
		command = filepath.Join(cwd, command)
	}
	path, err := c.lookPath(command)
	if err == nil {
		return path, nil
	}
	if provider == ProviderCustom {
		return "", invalid("command %q was not found or is not executable; give an absolute path or a program on the gateway's PATH", command)
	}
	return "", invalid("provider %s is not installed: %q is not on the gateway's PATH; install it or use another provider", provider, command)
}

func dimension(field string, value *int, def int) (int, error) {
	if value == nil {
		return def, nil
	}
	if *value < 1 || *value > maxDimension {
		return 0, invalid("%s is %d; it must be between 1 and %d", field, *value, maxDimension)
	}
	return *value, nil
}

func sessionName(name, provider, path string) (string, error) {
	if name == "" {
		if provider == ProviderCustom {
			return filepath.Base(path), nil
		}
		return provider, nil
	}
	if len(name) > maxNameLength {
		return "", invalid("name is %d bytes long; at most %d are accepted", len(name), maxNameLength)
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", invalid("name %q contains control characters; use printable text", name)
	}
	return name, nil
}

// buildEnv returns the child's environment: the gateway's own environment
// without OPENDRAY_* variables (they carry the database URL and admin
// password), TERM and COLORTERM for a modern terminal, then the request's
// variables, which win.
func buildEnv(base []string, extra map[string]string) ([]string, error) {
	if len(extra) > maxEnvEntries {
		return nil, invalid("env has %d entries; at most %d are accepted", len(extra), maxEnvEntries)
	}
	values := map[string]string{}
	var order []string
	set := func(key, value string) {
		if _, seen := values[key]; !seen {
			order = append(order, key)
		}
		values[key] = value
	}
	for _, kv := range base {
		key, value, ok := strings.Cut(kv, "=")
		if !ok || strings.HasPrefix(key, "OPENDRAY_") {
			continue
		}
		set(key, value)
	}
	set("TERM", "xterm-256color")
	set("COLORTERM", "truecolor")

	keys := make([]string, 0, len(extra))
	for key := range extra {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	for _, key := range keys {
		value := extra[key]
		if key == "" || strings.ContainsAny(key, "=\x00") {
			return nil, invalid("env key %q is not a valid variable name; use a name without '=' or NUL", key)
		}
		if strings.IndexByte(value, 0) >= 0 {
			return nil, invalid("env value of %s contains a NUL byte, which the environment cannot carry", key)
		}
		set(key, value)
	}

	env := make([]string, 0, len(order))
	for _, key := range order {
		env = append(env, key+"="+values[key])
	}
	return env, nil
}
