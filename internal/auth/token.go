package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Kind is the kind of client a token was issued to. It decides the lifetime.
type Kind string

// Token kinds.
const (
	KindBrowser Kind = "browser" // issued by login, lives admin.token_ttl
	KindMobile  Kind = "mobile"  // issued by mobile-login, lives admin.mobile_token_ttl
)

// Token format: 32 random bytes in unpadded base64url.
const (
	tokenBytes  = 32
	TokenLength = 43 // characters of an encoded token
)

// MaxTokens is the maximum number of live tokens. Issuing one more revokes
// the live token that expires first, so a client that logs in in a loop
// cannot grow memory without bound.
const MaxTokens = 1024

// tombstoneRetention is how long past its expiry a revoked or expired token
// is still recognised, so its holder gets "token revoked" or "token
// expired" instead of "invalid token".
const tombstoneRetention = time.Hour

// maxTombstones bounds the memory of ended tokens. Past it the oldest are
// forgotten, and their holders get "invalid token".
const maxTombstones = 4 * MaxTokens

// Errors of TokenStore.Lookup. Their messages are safe to send to clients.
var (
	ErrTokenMalformed = errors.New("malformed token: want 43 base64url characters")
	ErrTokenUnknown   = errors.New("invalid token")
	ErrTokenExpired   = errors.New("token expired")
	ErrTokenRevoked   = errors.New("token revoked")
)

// Close code and reason that WebSocket handlers send when the Done channel
// of the connection's Identity closes. Clients treat the code as "log in
// again" and do not reconnect.
const (
	CloseCodeTokenEnded   = 4401
	CloseReasonTokenEnded = "token revoked or expired"
)

// IdentityLocalsKey is the fiber Locals key under which the gateway's auth
// middleware stores the caller's *Identity for the handlers after it.
const IdentityLocalsKey = "identity"

type tokenDigest [sha256.Size]byte

func digestToken(token string) tokenDigest { return sha256.Sum256([]byte(token)) }

// Identity is the admin behind a valid token. The gateway stores it in the
// request's locals as "identity".
type Identity struct {
	User      string
	Kind      Kind
	IssuedAt  time.Time
	ExpiresAt time.Time

	digest tokenDigest
	done   chan struct{}
	err    atomic.Pointer[error]
	timer  Timer
}

// Done returns a channel that is closed when the token is revoked (logout,
// credential rotation) or expires. WebSocket handlers select on it and
// close their connection with CloseCodeTokenEnded.
func (id *Identity) Done() <-chan struct{} { return id.done }

// Err returns nil while the token is valid, else ErrTokenRevoked or
// ErrTokenExpired.
func (id *Identity) Err() error {
	if err := id.err.Load(); err != nil {
		return *err
	}
	return nil
}

// end records why the token ended and closes Done. Call it once, with the
// store's mutex held.
func (id *Identity) end(reason error) {
	id.err.Store(&reason)
	if id.timer != nil {
		id.timer.Stop()
	}
	close(id.done)
}

type tombstone struct {
	reason error
	until  time.Time
}

// TokenStore issues bearer tokens and keeps them in memory only. It stores
// the SHA-256 digest of each token, never the token itself. It is safe for
// concurrent use.
type TokenStore struct {
	clock Clock
	ttls  map[Kind]time.Duration

	// mu guards live and ended.
	mu    sync.Mutex
	live  map[tokenDigest]*Identity
	ended map[tokenDigest]tombstone
}

// NewTokenStore returns an empty store whose tokens live browserTTL or
// mobileTTL from issue, by kind.
func NewTokenStore(clock Clock, browserTTL, mobileTTL time.Duration) *TokenStore {
	return &TokenStore{
		clock: clock,
		ttls:  map[Kind]time.Duration{KindBrowser: browserTTL, KindMobile: mobileTTL},
		live:  make(map[tokenDigest]*Identity),
		ended: make(map[tokenDigest]tombstone),
	}
}

// Issue creates a token for user. The returned Secret is the only copy of
// the plaintext token.
func (s *TokenStore) Issue(user string, kind Kind) (Secret, *Identity, error) {
	ttl, ok := s.ttls[kind]
	if !ok {
		return "", nil, errors.New("unknown token kind " + string(kind))
	}
	raw := make([]byte, tokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)

	now := s.clock.Now()
	id := &Identity{
		User:      user,
		Kind:      kind,
		IssuedAt:  now,
		ExpiresAt: now.Add(ttl),
		digest:    digestToken(token),
		done:      make(chan struct{}),
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepTombstonesLocked(now)
	if len(s.live) >= MaxTokens {
		s.endLocked(s.firstToExpireLocked(), ErrTokenRevoked)
	}
	s.live[id.digest] = id
	id.timer = s.clock.AfterFunc(ttl, func() { s.expire(id) })
	return Secret(token), id, nil
}

// Lookup returns the identity of a live token, or ErrTokenMalformed,
// ErrTokenExpired, ErrTokenRevoked or ErrTokenUnknown.
func (s *TokenStore) Lookup(token string) (*Identity, error) {
	if !wellFormedToken(token) {
		return nil, ErrTokenMalformed
	}
	digest := digestToken(token)
	now := s.clock.Now()

	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.live[digest]; ok {
		// The expiry timer may not have fired yet.
		if !now.Before(id.ExpiresAt) {
			s.endLocked(id, ErrTokenExpired)
			return nil, ErrTokenExpired
		}
		return id, nil
	}
	if stone, ok := s.ended[digest]; ok && now.Before(stone.until) {
		return nil, stone.reason
	}
	return nil, ErrTokenUnknown
}

// Revoke ends one token and closes its Done channel. Revoking a token that
// already ended does nothing.
func (s *TokenStore) Revoke(id *Identity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live[id.digest] == id {
		s.endLocked(id, ErrTokenRevoked)
	}
}

// RevokeAll ends every live token and returns how many there were.
func (s *TokenStore) RevokeAll() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.live)
	for _, id := range s.live {
		s.endLocked(id, ErrTokenRevoked)
	}
	return n
}

// Len returns the number of live tokens.
func (s *TokenStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}

func (s *TokenStore) expire(id *Identity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live[id.digest] == id {
		s.endLocked(id, ErrTokenExpired)
	}
}

func (s *TokenStore) endLocked(id *Identity, reason error) {
	delete(s.live, id.digest)
	s.ended[id.digest] = tombstone{reason: reason, until: id.ExpiresAt.Add(tombstoneRetention)}
	id.end(reason)
}

func (s *TokenStore) firstToExpireLocked() *Identity {
	var first *Identity
	for _, id := range s.live {
		if first == nil || id.ExpiresAt.Before(first.ExpiresAt) {
			first = id
		}
	}
	return first
}

func (s *TokenStore) sweepTombstonesLocked(now time.Time) {
	for digest, stone := range s.ended {
		if !now.Before(stone.until) {
			delete(s.ended, digest)
		}
	}
	for len(s.ended) >= maxTombstones {
		var oldest tokenDigest
		var oldestUntil time.Time
		for digest, stone := range s.ended {
			if oldestUntil.IsZero() || stone.until.Before(oldestUntil) {
				oldest, oldestUntil = digest, stone.until
			}
		}
		delete(s.ended, oldest)
	}
}

// wellFormedToken reports whether token has the length and alphabet of an
// issued token.
func wellFormedToken(token string) bool {
	if len(token) != TokenLength {
		return false
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}
