package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/opendray/opendray/actors/notify"
)

// maxResponseSize bounds the Bot API response bodies the channel reads.
// Estimate: a getUpdates batch holds at most 100 updates, and 100 messages
// of 4096 characters, each quoting another as long, \u-escaped, come to
// about 6 MiB.
const maxResponseSize = 16 << 20

// APIError is an error response of the Bot API.
type APIError struct {
	Method      string
	Code        int
	Description string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("telegram %s: HTTP %d: %s", e.Method, e.Code, e.Description)
}

// errParseEntities marks a message Telegram rejected for its markup.
var errParseEntities = errors.New("markup rejected")

// apiResponse is the envelope of every Bot API response.
type apiResponse struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// call posts params as JSON to the Bot API method and decodes the result
// into result. The request URL contains the bot token, so no error it
// returns includes the URL: errors from net/http are unwrapped from their
// *url.Error first.
func (c *Channel) call(ctx context.Context, client *http.Client, method string, params, result any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("telegram %s: encoding the request: %w", method, err)
	}
	endpoint := c.apiBase + "/bot" + c.cfg.BotToken.reveal() + "/" + method
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		// Not wrapped: the error text would contain the URL.
		return fmt.Errorf("telegram %s: invalid request URL: check telegram.api_base", method)
	}
	req.Header.Set("Content-Type", "application/json")

	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("telegram %s: %w", method, stripURL(err))
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize))
	if err != nil {
		return fmt.Errorf("telegram %s: reading the response: %w", method, stripURL(err))
	}

	var envelope apiResponse
	if err := json.Unmarshal(data, &envelope); err != nil || (!envelope.OK && envelope.ErrorCode == 0) {
		// Not a Bot API response, for example an error page of a proxy.
		return classify(&APIError{Method: method, Code: resp.StatusCode, Description: http.StatusText(resp.StatusCode)}, 0)
	}
	if !envelope.OK {
		return classify(&APIError{Method: method, Code: envelope.ErrorCode, Description: envelope.Description},
			envelope.Parameters.RetryAfter)
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(envelope.Result, result); err != nil {
		return fmt.Errorf("telegram %s: decoding the result: %w", method, err)
	}
	return nil
}

// classify wraps an API error with what the hub needs to know to retry it.
func classify(e *APIError, retryAfter int) error {
	switch {
	case e.Code == http.StatusTooManyRequests && retryAfter > 0:
		return &notify.RetryAfterError{Delay: time.Duration(retryAfter) * time.Second, Err: e}
	case e.Code == http.StatusUnauthorized || e.Code == http.StatusNotFound:
		// A rejected token gets 401. A 404 means the URL reached no bot:
		// a malformed token or a wrong api_base.
		return fmt.Errorf("%w: check telegram.bot_token and telegram.api_base: %w", e, notify.ErrUnauthorized)
	case e.Code == http.StatusBadRequest && strings.Contains(strings.ToLower(e.Description), "can't parse entities"):
		return fmt.Errorf("%w: %w", e, errParseEntities)
	case e.Code == http.StatusTooManyRequests || e.Code >= 500:
		return e
	case e.Code >= 400:
		return notify.Permanent(e)
	}
	return e
}

// stripURL returns the error inside a *url.Error, whose text would show the
// request URL and with it the bot token.
func stripURL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return fmt.Errorf("%s request: %w", strings.ToLower(urlErr.Op), urlErr.Err)
	}
	return err
}
