package session

import (
	"os"
	"os/exec"
)

// Provider is one entry of the provider catalog.
type Provider struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Command is the executable the provider runs: the resolved path when
	// it is installed, else the name looked up on PATH. Empty for custom.
	Command   string `json:"command"`
	Installed bool   `json:"installed"`
}

// Provider ids.
const (
	ProviderShell  = "shell"
	ProviderClaude = "claude"
	ProviderCodex  = "codex"
	ProviderGemini = "gemini"
	ProviderCustom = "custom"
)

// catalog resolves provider ids to executables.
type catalog struct {
	lookPath func(string) (string, error)
	getenv   func(string) string
}

func newCatalog(lookPath func(string) (string, error)) catalog {
	if lookPath == nil {
		lookPath = exec.LookPath
	}
	return catalog{lookPath: lookPath, getenv: os.Getenv}
}

// shellCommand returns the user's login shell, or /bin/bash when $SHELL
// is unset.
func (c catalog) shellCommand() string {
	if shell := c.getenv("SHELL"); shell != "" {
		return shell
	}
	return "/bin/bash"
}

func (c catalog) list() []Provider {
	entries := []struct{ id, name, command string }{
		{ProviderShell, "Shell", c.shellCommand()},
		{ProviderClaude, "Claude Code", "claude"},
		{ProviderCodex, "Codex", "codex"},
		{ProviderGemini, "Gemini CLI", "gemini"},
	}
	providers := make([]Provider, 0, len(entries)+1)
	for _, e := range entries {
		p := Provider{ID: e.id, Name: e.name, Command: e.command}
		if path, err := c.lookPath(e.command); err == nil {
			p.Command, p.Installed = path, true
		}
		providers = append(providers, p)
	}
	return append(providers, Provider{ID: ProviderCustom, Name: "Custom command", Installed: true})
}
