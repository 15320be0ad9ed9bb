package main

import (
	"errors"
	"log/slog"

	"github.com/opendray/opendray/internal/auth"
	"github.com/opendray/opendray/internal/config"
)

// newAuthService loads the admin credentials by precedence. When no source
// has any (a first run with no password configured), it generates a
// password into $HOME/.opendray/secrets/initial-admin-password and uses it
// as the bootstrap password, so a first run needs no set-up.
func newAuthService(cfg config.Config, logger *slog.Logger) (*auth.Service, error) {
	authCfg := auth.Defaults()
	authCfg.User = cfg.Admin.User
	authCfg.Password = auth.Secret(cfg.Admin.Password)
	authCfg.TokenTTL = cfg.Admin.TokenTTL
	authCfg.MobileTokenTTL = cfg.Admin.MobileTokenTTL
	authCfg.KeyFile = cfg.Admin.KeyFile
	authCfg.TrustedProxies = cfg.TrustedProxies
	authCfg.AllowedOrigins = cfg.AllowedOrigins
	authCfg.Throttle = auth.ThrottleConfig{
		ClientFailures: cfg.Admin.MaxFailedLogins,
		GlobalFailures: cfg.Admin.MaxFailedLoginsGlobal,
		Window:         cfg.Admin.FailedLoginWindow,
	}
	options := auth.Options{Logger: logger.With("component", "auth")}

	svc, err := auth.New(authCfg, options)
	if errors.Is(err, auth.ErrNoCredentials) && authCfg.HomeDir != "" {
		password, path, created, genErr := auth.EnsureInitialPassword(authCfg.HomeDir)
		if genErr != nil {
			return nil, genErr
		}
		if created {
			logger.Warn("no admin password is configured: generated one for the first login; read it from the file, log in as the admin user and change it in Settings",
				slog.String("path", path), slog.String("user", authCfg.User))
		} else {
			logger.Warn("using the generated admin password until the credentials are changed", slog.String("path", path))
		}
		authCfg.Password = password
		return auth.New(authCfg, options)
	}
	if err != nil {
		return nil, err
	}
	// A keyfile or a configured password decides now; a leftover generated
	// password would only mislead.
	if authCfg.HomeDir != "" {
		if removed, _ := auth.RemoveInitialPassword(authCfg.HomeDir); removed {
			logger.Info("removed the generated first-run password because other credentials are in use",
				slog.String("path", auth.InitialPasswordPath(authCfg.HomeDir)))
		}
	}
	return svc, nil
}
