package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	fastws "github.com/fasthttp/websocket"
)

// viewer is one WebSocket stream attached to a session.
type viewer struct {
	conn *fastws.Conn
}

// controlFrame is a JSON text frame of the stream.
type controlFrame struct {
	Type   string `json:"type"`
	Offset int64  `json:"offset"`
	From   int64  `json:"from"`
	To     int64  `json:"to"`
	State  string `json:"state"`
	Error  string `json:"error"`
}

// drained is the live output a viewer received after its replay, until
// the server closed the stream.
type drained struct {
	// received counts the live output bytes in binary frames.
	received int64
	// lost counts the bytes that gap frames reported as skipped, because
	// the viewer fell more than the ring behind.
	lost int64
	// last is when the last binary frame arrived.
	last time.Time
}

// dialViewer opens the stream of session id with a 64 KiB read buffer.
func dialViewer(ctx context.Context, api *apiClient, id string) (*viewer, error) {
	dialer := fastws.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 64 << 10}
	conn, resp, err := dialer.DialContext(ctx, api.streamURL(id), nil)
	if err != nil {
		status := ""
		if resp != nil {
			status = fmt.Sprintf(" (status %d)", resp.StatusCode)
		}
		return nil, fmt.Errorf("opening the stream of session %s%s: %w", id, status, err)
	}
	return &viewer{conn: conn}, nil
}

func (v *viewer) close() { v.conn.Close() }

// readReplay reads the attached frame, the replay and the offset frame
// that ends it, and returns the replayed byte count.
func (v *viewer) readReplay(deadline time.Time) (int64, error) {
	if err := v.conn.SetReadDeadline(deadline); err != nil {
		return 0, err
	}
	var replayed int64
	for {
		kind, data, err := v.conn.ReadMessage()
		if err != nil {
			return replayed, fmt.Errorf("reading the replay: %w", err)
		}
		if kind == fastws.BinaryMessage {
			replayed += int64(len(data))
			continue
		}
		frame, err := parseControl(data)
		if err != nil {
			return replayed, err
		}
		if frame.Type == "offset" {
			return replayed, nil
		}
	}
}

// drain reads until the server closes the stream with 1000, which it does
// after the session's last output.
func (v *viewer) drain(deadline time.Time) (drained, error) {
	var result drained
	if err := v.conn.SetReadDeadline(deadline); err != nil {
		return result, err
	}
	// One buffer for all frames keeps the driver's own CPU use low, so
	// that it takes as little as it can from the server on a small
	// machine.
	buffer := make([]byte, 64<<10)
	for {
		kind, reader, err := v.conn.NextReader()
		if err != nil {
			var closeErr *fastws.CloseError
			if errors.As(err, &closeErr) && closeErr.Code == fastws.CloseNormalClosure {
				return result, nil
			}
			return result, fmt.Errorf("reading live output: %w", err)
		}
		if kind == fastws.BinaryMessage {
			n, err := discard(reader, buffer)
			if err != nil {
				return result, fmt.Errorf("reading live output: %w", err)
			}
			result.received += n
			result.last = time.Now()
			continue
		}
		data, err := io.ReadAll(io.LimitReader(reader, 4<<10))
		if err != nil {
			return result, fmt.Errorf("reading a control frame: %w", err)
		}
		frame, err := parseControl(data)
		if err != nil {
			return result, err
		}
		if frame.Type == "gap" {
			result.lost += frame.To - frame.From
		}
	}
}

// readUntil reads frames until the binary output read so far contains
// marker. It keeps only the last 4 KiB of output to search in.
func (v *viewer) readUntil(marker string, deadline time.Time) error {
	if err := v.conn.SetReadDeadline(deadline); err != nil {
		return err
	}
	var output []byte
	for {
		kind, data, err := v.conn.ReadMessage()
		if err != nil {
			return fmt.Errorf("waiting for %q in the output: %w", marker, err)
		}
		if kind != fastws.BinaryMessage {
			continue
		}
		output = append(output, data...)
		if len(output) > 4<<10 {
			output = output[len(output)-4<<10:]
		}
		if bytes.Contains(output, []byte(marker)) {
			return nil
		}
	}
}

// sendKeys writes keys as one binary frame, as a terminal sends keystrokes.
func (v *viewer) sendKeys(keys []byte) error {
	return v.conn.WriteMessage(fastws.BinaryMessage, keys)
}

// readOutput reads frames until one binary frame with output arrives and
// returns its length.
func (v *viewer) readOutput() (int, error) {
	for {
		kind, data, err := v.conn.ReadMessage()
		if err != nil {
			return 0, err
		}
		if kind == fastws.BinaryMessage && len(data) > 0 {
			return len(data), nil
		}
	}
}

// discard reads reader to its end into buffer and returns the byte count.
func discard(reader io.Reader, buffer []byte) (int64, error) {
	var total int64
	for {
		n, err := reader.Read(buffer)
		total += int64(n)
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

func parseControl(data []byte) (controlFrame, error) {
	var frame controlFrame
	if err := json.Unmarshal(data, &frame); err != nil {
		return frame, fmt.Errorf("invalid control frame %q: %v", data, err)
	}
	if frame.Type == "error" {
		return frame, fmt.Errorf("the server sent an error frame: %s", frame.Error)
	}
	return frame, nil
}
