package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fasthttp/websocket"
	"golang.org/x/term"
)

var (
	errDetached        = errors.New("detached")
	errSessionFinished = errors.New("session finished")
)

// closeTokenEnded is the close code the gateway sends when the token was
// revoked or expired.
const closeTokenEnded = 4401

// buildStreamURL turns the gateway address into the stream's ws:// or
// wss:// URL with the token and the resume offset.
func buildStreamURL(base, sessionID, token, since string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("-url %q is not an address such as http://127.0.0.1:8770", base)
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("-url %q has scheme %q; want http or https", base, u.Scheme)
	}
	// The gateway logs its address as .../admin/; accept that too.
	base = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/admin")
	u.Path = strings.TrimSuffix(base, "/") + "/api/v1/sessions/" + url.PathEscape(sessionID) + "/stream"
	query := url.Values{"token": {token}}
	if since != "" {
		query.Set("since", since)
	}
	u.RawQuery = query.Encode()
	return u.String(), nil
}

// control is a JSON text frame of the stream protocol.
type control struct {
	Type     string `json:"type"`
	Offset   uint64 `json:"offset"`
	From     uint64 `json:"from"`
	To       uint64 `json:"to"`
	State    string `json:"state"`
	ExitCode *int   `json:"exit_code"`
	Error    string `json:"error"`
	Cols     int    `json:"cols"`
	Rows     int    `json:"rows"`
}

// attachment is one attached stream and the local terminal.
type attachment struct {
	stdin  *os.File
	stdout io.Writer
	stderr io.Writer
	// detachAfter, when positive, detaches after that long.
	detachAfter time.Duration

	// offset is the output offset reached: the next byte expected.
	offset   uint64
	state    string
	exitCode *int

	writeMu sync.Mutex
	conn    *websocket.Conn
}

func (a *attachment) run(streamURL string) error {
	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	conn, resp, err := dialer.Dial(streamURL, nil)
	if err != nil {
		return dialError(err, resp)
	}
	a.conn = conn
	defer conn.Close()

	if term.IsTerminal(int(a.stdin.Fd())) {
		previous, err := term.MakeRaw(int(a.stdin.Fd()))
		if err != nil {
			return fmt.Errorf("switching the terminal to raw mode: %w", err)
		}
		defer term.Restore(int(a.stdin.Fd()), previous)
		stopResize := a.followWindowSize()
		defer stopResize()
	}

	streamDone := make(chan error, 1)
	inputDone := make(chan error, 1)
	go func() { streamDone <- a.readStream() }()
	go func() { inputDone <- a.pumpInput() }()
	var timeout <-chan time.Time
	if a.detachAfter > 0 {
		timeout = time.After(a.detachAfter)
	}

	streamEnded := false
	select {
	case err = <-streamDone:
		streamEnded = true
	case err = <-inputDone:
		if err == nil {
			// Without a terminal, the end of stdin leaves the stream open
			// for output until the session ends or the timeout.
			select {
			case err = <-streamDone:
				streamEnded = true
			case <-timeout:
				err = errDetached
			}
		}
	case <-timeout:
		err = errDetached
	}

	// Closing the connection ends readStream; waiting for it makes the
	// offset final before the caller prints it.
	conn.Close()
	if !streamEnded {
		<-streamDone
	}
	return err
}

// readStream copies output to stdout and handles control frames.
func (a *attachment) readStream() error {
	for {
		kind, data, err := a.conn.ReadMessage()
		if err != nil {
			var closeErr *websocket.CloseError
			if errors.As(err, &closeErr) {
				switch closeErr.Code {
				case websocket.CloseNormalClosure:
					return errSessionFinished
				case closeTokenEnded:
					return errors.New("the token was revoked or expired; log in again")
				}
				return fmt.Errorf("stream closed: %d %s", closeErr.Code, closeErr.Text)
			}
			return fmt.Errorf("reading the stream: %w", err)
		}
		if kind == websocket.BinaryMessage {
			a.offset += uint64(len(data))
			if _, err := a.stdout.Write(data); err != nil {
				return err
			}
			continue
		}
		var msg control
		if json.Unmarshal(data, &msg) != nil {
			continue
		}
		switch msg.Type {
		case "attached":
			a.offset, a.state, a.exitCode = msg.Offset, msg.State, msg.ExitCode
		case "gap":
			fmt.Fprintf(a.stderr, "\r\n[opendray-attach: %d bytes of output were lost]\r\n", msg.To-msg.From)
			a.offset = msg.To
		case "state":
			a.state, a.exitCode = msg.State, msg.ExitCode
		case "error":
			fmt.Fprintf(a.stderr, "\r\n[opendray-attach: %s]\r\n", msg.Error)
		}
	}
}

// pumpInput sends stdin to the session as binary frames until Ctrl-]
// (errDetached) or the end of stdin (nil).
func (a *attachment) pumpInput() error {
	buf := make([]byte, 4096)
	for {
		n, err := a.stdin.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			if i := bytes.IndexByte(chunk, detachKey); i >= 0 {
				if i > 0 {
					a.send(websocket.BinaryMessage, chunk[:i])
				}
				return errDetached
			}
			if err := a.send(websocket.BinaryMessage, chunk); err != nil {
				return fmt.Errorf("sending input: %w", err)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (a *attachment) send(kind int, data []byte) error {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	a.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return a.conn.WriteMessage(kind, data)
}

// followWindowSize sends the terminal size now and after every SIGWINCH.
func (a *attachment) followWindowSize() (stop func()) {
	sendSize := func() {
		cols, rows, err := term.GetSize(int(a.stdin.Fd()))
		if err != nil || cols < 1 || rows < 1 {
			return
		}
		data, _ := json.Marshal(map[string]any{"type": "resize", "cols": cols, "rows": rows})
		a.send(websocket.TextMessage, data)
	}
	sendSize()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGWINCH)
	quit := make(chan struct{})
	go func() {
		for {
			select {
			case <-signals:
				sendSize()
			case <-quit:
				return
			}
		}
	}()
	return func() {
		signal.Stop(signals)
		close(quit)
	}
}

func (a *attachment) finishMessage() string {
	if a.exitCode != nil {
		return fmt.Sprintf("session %s with exit code %d", a.state, *a.exitCode)
	}
	return "session " + a.state
}

func dialError(err error, resp *http.Response) error {
	if resp == nil {
		return fmt.Errorf("connecting: %w; is the gateway running there? Set its address with -url or OPENDRAY_URL", err)
	}
	var body struct {
		Error string `json:"error"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&body)
	if body.Error != "" {
		return fmt.Errorf("the gateway returned %d: %s", resp.StatusCode, body.Error)
	}
	if resp.StatusCode == http.StatusOK {
		return errors.New("the address returned 200 instead of opening a WebSocket; pass the gateway's base address to -url, such as http://127.0.0.1:8770")
	}
	return fmt.Errorf("the gateway returned %d", resp.StatusCode)
}
