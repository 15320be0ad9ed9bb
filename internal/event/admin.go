package event

// Admin authentication events. ClientAddr is the client address as the
// gateway resolved it (the peer, or X-Forwarded-For from a trusted proxy).
// No event carries a password or a token.

// AdminLoginSuccess is published when a login or mobile-login succeeds.
type AdminLoginSuccess struct {
	Meta
	User       string `json:"user"`
	ClientAddr string `json:"client_addr"`
	Mobile     bool   `json:"mobile"`
}

// AdminLoginFailed is published when a login presents a wrong user name or
// password. User is the name that was presented.
type AdminLoginFailed struct {
	Meta
	User       string `json:"user"`
	ClientAddr string `json:"client_addr"`
}

// AdminLoginThrottled is published when a login is rejected with 429
// because of too many recent failures. It is published at most once a
// minute per client and scope, and Attempts counts the rejections since
// the previous one.
type AdminLoginThrottled struct {
	Meta
	User       string `json:"user"`
	ClientAddr string `json:"client_addr"`
	// Scope is "client" for the per-address limit or "global" for the
	// ceiling over all addresses.
	Scope    string `json:"scope"`
	Attempts int    `json:"attempts"`
}

// AdminLogout is published when a token is revoked by its holder.
type AdminLogout struct {
	Meta
	User       string `json:"user"`
	ClientAddr string `json:"client_addr"`
}

// AdminCredentialsChanged is published after the admin user name and
// password were rotated and every earlier token was revoked.
type AdminCredentialsChanged struct {
	Meta
	OldUser    string `json:"old_user"`
	NewUser    string `json:"new_user"`
	ClientAddr string `json:"client_addr"`
}

func (*AdminLoginSuccess) Name() string       { return "admin.login_success" }
func (*AdminLoginFailed) Name() string        { return "admin.login_failed" }
func (*AdminLoginThrottled) Name() string     { return "admin.login_throttled" }
func (*AdminLogout) Name() string             { return "admin.logout" }
func (*AdminCredentialsChanged) Name() string { return "admin.credentials_changed" }
