package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// requestTimeout bounds each REST request. A stop waits for the session's
// process to exit, which takes at most the server's 5 s stop grace.
const requestTimeout = 30 * time.Second

// apiClient calls the REST routes of one opendray on a loopback address
// and remembers the sessions it created until they are removed.
type apiClient struct {
	base  *url.URL
	http  *http.Client
	token string

	mu       sync.Mutex
	sessions map[string]bool
}

// sessionInfo is the part of a session object the driver reads.
type sessionInfo struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

// createRequest is the body of POST /api/v1/sessions.
type createRequest struct {
	Provider string   `json:"provider"`
	Command  string   `json:"command,omitempty"`
	Args     []string `json:"args,omitempty"`
	Name     string   `json:"name,omitempty"`
}

// errConflict is the 409 of a request on a session in the wrong state.
var errConflict = errors.New("409 Conflict")

// parseLoopbackURL parses the server's base URL and rejects any host but
// a loopback IP address, so that the load stays on this machine.
func parseLoopbackURL(raw string) (*url.URL, error) {
	base, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid -url %q: %v", raw, err)
	}
	if base.Scheme != "http" || base.Port() == "" || (base.Path != "" && base.Path != "/") {
		return nil, fmt.Errorf("invalid -url %q; want http://127.0.0.1:PORT", raw)
	}
	ip := net.ParseIP(base.Hostname())
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("invalid -url %q: the host must be a loopback IP address such as 127.0.0.1, because the benchmark loads only this machine", raw)
	}
	base.Path = ""
	return base, nil
}

func newAPIClient(base *url.URL) *apiClient {
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
	}
	return &apiClient{
		base:     base,
		http:     &http.Client{Transport: transport},
		sessions: make(map[string]bool),
	}
}

// do sends a request with a JSON body (when body is not nil) and the
// token, and decodes a JSON response into out (when out is not nil). A
// status other than want is an error that quotes the server's message.
func (c *apiClient) do(ctx context.Context, method, path string, body, out any, want int) (http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()

	var reader io.Reader
	if body != nil {
		encoded, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		reader = bytes.NewReader(encoded)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.JoinPath(path).String(), reader)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the response: %w", method, path, err)
	}

	if resp.StatusCode != want {
		var failure struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(data, &failure)
		err := fmt.Errorf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, failure.Error)
		if resp.StatusCode == http.StatusConflict {
			err = fmt.Errorf("%w: %w", errConflict, err)
		}
		return resp.Header, err
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.Header, fmt.Errorf("%s %s: invalid JSON response: %w", method, path, err)
		}
	}
	return resp.Header, nil
}

// waitHealthy polls GET /api/v1/health until it reports db_ok, the
// process pid exits, or timeout passes.
func (c *apiClient) waitHealthy(ctx context.Context, pid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		var health struct {
			DBOK bool `json:"db_ok"`
		}
		_, err := c.do(ctx, http.MethodGet, "/api/v1/health", nil, &health, http.StatusOK)
		if err == nil && health.DBOK {
			return nil
		}
		lastErr = err
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("the server process %d exited before /api/v1/health reported db_ok", pid)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("/api/v1/health did not report db_ok within %v; last error: %v", timeout, lastErr)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// login gets a token for user and password.
func (c *apiClient) login(ctx context.Context, user, password string) error {
	var resp struct {
		Token string `json:"token"`
	}
	body := map[string]string{"user": user, "password": password}
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/auth/login", body, &resp, http.StatusOK); err != nil {
		return err
	}
	if resp.Token == "" {
		return errors.New("POST /api/v1/auth/login: the response has no token")
	}
	c.token = resp.Token
	return nil
}

// createSession starts a session and remembers it for removeAll.
func (c *apiClient) createSession(ctx context.Context, req createRequest) (sessionInfo, error) {
	var info sessionInfo
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/sessions", req, &info, http.StatusCreated); err != nil {
		return info, err
	}
	c.mu.Lock()
	c.sessions[info.ID] = true
	c.mu.Unlock()
	return info, nil
}

// removeSession stops the session if it still runs, then deletes it.
func (c *apiClient) removeSession(ctx context.Context, id string) error {
	path := "/api/v1/sessions/" + url.PathEscape(id)
	_, err := c.do(ctx, http.MethodDelete, path, nil, nil, http.StatusNoContent)
	if errors.Is(err, errConflict) {
		// The session still runs. A 409 from stop means that it finished
		// meanwhile.
		if _, err := c.do(ctx, http.MethodPost, path+"/stop", nil, nil, http.StatusOK); err != nil && !errors.Is(err, errConflict) {
			return err
		}
		err = c.deleteFinished(ctx, path)
	}
	if err != nil {
		return err
	}
	c.mu.Lock()
	delete(c.sessions, id)
	c.mu.Unlock()
	return nil
}

// deleteFinished deletes the finished session at path. It retries a 409
// for up to 2 s, because the session may still be recording its end; a
// 409 after that is returned.
func (c *apiClient) deleteFinished(ctx context.Context, path string) error {
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, err := c.do(ctx, http.MethodDelete, path, nil, nil, http.StatusNoContent)
		if !errors.Is(err, errConflict) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// removeAll removes every session this client created and has not
// removed yet, with up to parallel requests at once.
func (c *apiClient) removeAll(ctx context.Context, parallel int) error {
	c.mu.Lock()
	ids := make([]string, 0, len(c.sessions))
	for id := range c.sessions {
		ids = append(ids, id)
	}
	c.mu.Unlock()
	return forEach(ctx, ids, parallel, func(id string) error { return c.removeSession(ctx, id) })
}

// listSessions returns every session on the server.
func (c *apiClient) listSessions(ctx context.Context) ([]sessionInfo, error) {
	var resp struct {
		Sessions []sessionInfo `json:"sessions"`
	}
	_, err := c.do(ctx, http.MethodGet, "/api/v1/sessions", nil, &resp, http.StatusOK)
	return resp.Sessions, err
}

// bufferEnd returns the offset one past the last output byte of a
// session, from the X-Opendray-Offset-End header of its buffer.
func (c *apiClient) bufferEnd(ctx context.Context, id string) (int64, error) {
	header, err := c.do(ctx, http.MethodGet, "/api/v1/sessions/"+url.PathEscape(id)+"/buffer", nil, nil, http.StatusOK)
	if err != nil {
		return 0, err
	}
	end, err := strconv.ParseInt(header.Get("X-Opendray-Offset-End"), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("GET buffer of session %s: invalid X-Opendray-Offset-End %q", id, header.Get("X-Opendray-Offset-End"))
	}
	return end, nil
}

// streamURL returns the WebSocket URL of a session's stream.
func (c *apiClient) streamURL(id string) string {
	stream := *c.base
	stream.Scheme = "ws"
	stream.Path = "/api/v1/sessions/" + id + "/stream"
	stream.RawQuery = url.Values{"token": {c.token}}.Encode()
	return stream.String()
}

// forEach calls f for each item with up to parallel calls at once and
// returns the errors joined. It stops starting calls once ctx is done.
func forEach[T any](ctx context.Context, items []T, parallel int, f func(T) error) error {
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	slots := make(chan struct{}, parallel)
	for _, item := range items {
		if ctx.Err() != nil {
			mu.Lock()
			errs = append(errs, ctx.Err())
			mu.Unlock()
			break
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := f(item); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
