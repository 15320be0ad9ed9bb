package auth

import (
	"fmt"
	"io"
	"log/slog"

	"golang.org/x/crypto/bcrypt"
)

// Service bundles the parts of admin authentication that the gateway uses.
type Service struct {
	Credentials *Credentials
	Tokens      *TokenStore
	Throttle    *Throttle
	Proxies     TrustedProxies
	Origins     OriginPolicy
}

// Options carries what is not operator configuration.
type Options struct {
	// Logger receives credential loading and rotation messages. Nil
	// discards them.
	Logger *slog.Logger
	// Clock drives token expiry and the throttle. Nil means SystemClock.
	Clock Clock
	// BcryptCost is the cost of the hashes Rotate writes. Zero means
	// DefaultBcryptCost. Tests lower it because every step of cost doubles
	// the time of a hash.
	BcryptCost int
	// CompareHash replaces bcrypt.CompareHashAndPassword in Verify. Nil
	// keeps bcrypt's. Tests wrap it to count the comparisons.
	CompareHash func(hash, password []byte) error
}

// New validates cfg and loads the admin credentials by precedence. An
// error means the gateway must not start; it names the problem and the fix.
func New(cfg Config, opts Options) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = DefaultBcryptCost
	}
	if opts.BcryptCost < bcrypt.MinCost || opts.BcryptCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("bcrypt cost %d is out of range %d to %d", opts.BcryptCost, bcrypt.MinCost, bcrypt.MaxCost)
	}

	proxies, err := ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	origins, err := ParseAllowedOrigins(cfg.AllowedOrigins)
	if err != nil {
		return nil, err
	}
	credentials, err := loadCredentials(cfg, opts.BcryptCost, opts.Logger)
	if err != nil {
		return nil, err
	}
	if opts.CompareHash != nil {
		credentials.compare = opts.CompareHash
	}
	return &Service{
		Credentials: credentials,
		Tokens:      NewTokenStore(opts.Clock, cfg.TokenTTL, cfg.MobileTokenTTL),
		Throttle:    NewThrottle(opts.Clock, cfg.Throttle),
		Proxies:     proxies,
		Origins:     origins,
	}, nil
}
