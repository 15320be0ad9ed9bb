package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// Source supplies the environment; os.LookupEnv in production.
type Source func(name string) (string, bool)

// Load reads the TOML file at path (none when path is empty), applies the
// environment from lookup on top, and validates the result. Every error
// names the file key or the environment variable at fault.
func Load(path string, lookup Source) (Config, error) {
	cfg := Default()
	if path != "" {
		if err := applyFile(&cfg, path); err != nil {
			return Config{}, err
		}
	}
	if err := applyEnv(&cfg, lookup); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func applyFile(cfg *Config, path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("config file %s does not exist; pass an existing file to -config, or leave -config out to run on defaults", path)
	}
	if err != nil {
		return fmt.Errorf("reading config file: %w", err)
	}

	var tree map[string]any
	if err := toml.Unmarshal(data, &tree); err != nil {
		var decodeErr *toml.DecodeError
		if errors.As(err, &decodeErr) {
			row, column := decodeErr.Position()
			return fmt.Errorf("config file %s is not valid TOML: line %d, column %d: %s", path, row, column, decodeErr.Error())
		}
		return fmt.Errorf("config file %s is not valid TOML: %w", path, err)
	}

	values, err := flatten(tree)
	if err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	keys := make([]string, 0, len(values))
	for key := range values {
		keys = append(keys, key)
	}
	slices.Sort(keys)

	for _, key := range keys {
		if isBackupSecretKey(key) {
			return fmt.Errorf("config file %s: %s: the backup passphrase is read only from the environment variable OPENDRAY_BACKUP_KEY; remove it from the file", path, key)
		}
		f, ok := fieldByKey(key)
		if !ok {
			return fmt.Errorf("config file %s: %s", path, unknownKeyMessage(key))
		}
		if err := f.setFromFile(cfg, values[key]); err != nil {
			return fmt.Errorf("config file %s: %w", path, err)
		}
	}
	if _, ok := tree["telegram"]; ok {
		cfg.Telegram.Enabled = true
	}
	return nil
}

// flatten turns the decoded document into dotted keys. Tables other than the
// schema's sections, and tables nested deeper than one level, are unknown keys.
func flatten(tree map[string]any) (map[string]any, error) {
	known := sections()
	out := map[string]any{}
	for name, value := range tree {
		table, isTable := value.(map[string]any)
		if !isTable {
			out[name] = value
			continue
		}
		if !known[name] {
			return nil, errors.New(unknownKeyMessage(name))
		}
		for key, inner := range table {
			if _, nested := inner.(map[string]any); nested {
				return nil, errors.New(unknownKeyMessage(name + "." + key))
			}
			out[name+"."+key] = inner
		}
	}
	return out, nil
}

// isBackupSecretKey reports whether key looks like an attempt to store the
// backup passphrase in the file.
func isBackupSecretKey(key string) bool {
	lower := strings.ToLower(key)
	if lower == "opendray_backup_key" {
		return true
	}
	if !strings.Contains(lower, "backup") {
		return false
	}
	for _, word := range []string{"key", "passphrase", "password", "secret"} {
		if strings.Contains(strings.TrimPrefix(lower, "backup."), word) {
			return true
		}
	}
	return false
}

func unknownKeyMessage(key string) string {
	msg := fmt.Sprintf("unknown key %q", key)
	candidates := Keys()
	if !strings.Contains(key, ".") {
		for section := range sections() {
			candidates = append(candidates, section)
		}
	}
	if suggestion := closest(key, candidates); suggestion != "" {
		msg += fmt.Sprintf("; did you mean %q?", suggestion)
	}
	return msg + " (config.example.toml lists every key)"
}

// closest returns the candidate nearest to name by edit distance, or ""
// when none is close enough to be a likely typo.
func closest(name string, candidates []string) string {
	best, bestDistance := "", 4
	for _, candidate := range candidates {
		if d := editDistance(name, candidate); d < bestDistance {
			best, bestDistance = candidate, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	previous := make([]int, len(b)+1)
	current := make([]int, len(b)+1)
	for j := range previous {
		previous[j] = j
	}
	for i := 1; i <= len(a); i++ {
		current[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			current[j] = min(previous[j]+1, current[j-1]+1, previous[j-1]+cost)
		}
		previous, current = current, previous
	}
	return previous[len(b)]
}

func applyEnv(cfg *Config, lookup Source) error {
	for _, f := range schema {
		raw, ok := lookup(f.env)
		if !ok {
			continue
		}
		if err := f.setFromEnv(cfg, raw); err != nil {
			return err
		}
	}
	if v, ok := lookup("OPENDRAY_ADMIN_KEY_FILE"); ok {
		if strings.TrimSpace(v) == "" {
			return errors.New("OPENDRAY_ADMIN_KEY_FILE is set but empty; unset it or point it at a keyfile")
		}
		cfg.Admin.KeyFile = v
	}
	if v, ok := lookup("OPENDRAY_BACKUP_KEY"); ok {
		cfg.Backup.Key = v
	}
	return nil
}

// EnvNames returns every environment variable the loader reads, for help
// text and documentation tests.
func EnvNames() []string {
	names := make([]string, 0, len(schema)+2)
	for _, f := range schema {
		names = append(names, f.env)
	}
	return append(names, "OPENDRAY_ADMIN_KEY_FILE", "OPENDRAY_BACKUP_KEY")
}

// Keys returns every dotted TOML key the loader accepts.
func Keys() []string {
	keys := make([]string, 0, len(schema))
	for _, f := range schema {
		keys = append(keys, f.key)
	}
	return keys
}
