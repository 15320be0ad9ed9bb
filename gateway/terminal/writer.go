package terminal

import (
	"encoding/json"
	"log/slog"
	"time"

	fastws "github.com/fasthttp/websocket"

	"github.com/opendray/opendray/actors/session"
	"github.com/opendray/opendray/internal/auth"
)

// Text frames the server sends.
type (
	attachedFrame struct {
		Type     string        `json:"type"`
		Offset   int64         `json:"offset"`
		State    session.State `json:"state"`
		Cols     int           `json:"cols"`
		Rows     int           `json:"rows"`
		ExitCode *int          `json:"exit_code"`
	}
	gapFrame struct {
		Type string `json:"type"`
		From int64  `json:"from"`
		To   int64  `json:"to"`
	}
	offsetFrame struct {
		Type   string `json:"type"`
		Offset int64  `json:"offset"`
	}
	stateFrame struct {
		Type     string        `json:"type"`
		State    session.State `json:"state"`
		ExitCode *int          `json:"exit_code"`
	}
)

// write owns every write to the socket: the replay, then the viewer's
// frames and the reader's error notices, until the session ends, the
// reader stops, the token is revoked or a write fails.
func (s *stream) write() {
	if !s.writeReplay() {
		return
	}
	if s.viewer == nil {
		if s.writeJSON(stateFrame{"state", s.att.State, s.att.ExitCode}) {
			s.closeWith(fastws.CloseNormalClosure, "session ended")
		}
		return
	}

	for {
		select {
		case <-s.stop:
			return
		case <-s.revoked:
			s.closeWith(CloseRevoked, auth.CloseReasonTokenEnded)
			return
		case frame := <-s.control:
			if !s.writeText(frame) {
				return
			}
			continue
		default:
		}

		frames := s.viewer.Take()
		if len(frames) == 0 {
			select {
			case <-s.viewer.Ready():
			case frame := <-s.control:
				if !s.writeText(frame) {
					return
				}
			case <-s.stop:
				return
			case <-s.revoked:
				s.closeWith(CloseRevoked, auth.CloseReasonTokenEnded)
				return
			}
			continue
		}
		if !s.writeFrames(frames) {
			return
		}
	}
}

// writeFrames writes a batch of viewer frames, joining runs of output
// frames into binary messages of up to maxBatch bytes: fewer, larger
// messages cost the client and the server less per byte.
func (s *stream) writeFrames(frames []session.Frame) bool {
	for len(frames) > 0 {
		if frames[0].Kind != session.FrameOutput || len(frames) == 1 || frames[1].Kind != session.FrameOutput {
			if !s.writeFrame(frames[0]) {
				return false
			}
			frames = frames[1:]
			continue
		}

		s.batch = append(s.batch[:0], frames[0].Data...)
		frames[0].Release()
		frames = frames[1:]
		for len(frames) > 0 && frames[0].Kind == session.FrameOutput && len(s.batch)+len(frames[0].Data) <= maxBatch {
			s.batch = append(s.batch, frames[0].Data...)
			frames[0].Release()
			frames = frames[1:]
		}
		ok := s.writeBinary(s.batch)
		s.viewer.Written(len(s.batch))
		if !ok {
			return false
		}
	}
	return true
}

// writeFrame writes one viewer frame; it returns false when the stream
// is over.
func (s *stream) writeFrame(f session.Frame) bool {
	switch f.Kind {
	case session.FrameOutput:
		ok := s.writeBinary(f.Data)
		s.viewer.Written(len(f.Data))
		f.Release()
		return ok
	case session.FrameGap:
		return s.writeJSON(gapFrame{"gap", f.Offset, f.To})
	case session.FrameState:
		return s.writeJSON(stateFrame{"state", f.State, f.ExitCode})
	case session.FrameEnd:
		if f.Shutdown {
			s.closeWith(fastws.CloseGoingAway, "server shutting down")
		} else {
			s.closeWith(fastws.CloseNormalClosure, "session ended")
		}
		return false
	}
	return true
}

func (s *stream) writeReplay() bool {
	att := s.att
	if !s.writeJSON(attachedFrame{"attached", att.Start, att.State, att.Cols, att.Rows, att.ExitCode}) {
		return false
	}
	if att.Gap != nil && !s.writeJSON(gapFrame{"gap", att.Gap.From, att.Gap.To}) {
		return false
	}
	for rest := att.Replay; len(rest) > 0; {
		n := min(len(rest), replayFrame)
		if !s.writeBinary(rest[:n]) {
			return false
		}
		rest = rest[n:]
	}
	return s.writeJSON(offsetFrame{"offset", att.End})
}

func (s *stream) writeBinary(data []byte) bool {
	return s.writeMessage(fastws.BinaryMessage, data)
}

func (s *stream) writeText(data []byte) bool {
	return s.writeMessage(fastws.TextMessage, data)
}

func (s *stream) writeJSON(v any) bool {
	data, err := json.Marshal(v)
	if err != nil {
		s.log.Error("encoding a stream frame failed", slog.Any("error", err))
		return false
	}
	return s.writeText(data)
}

func (s *stream) writeMessage(kind int, data []byte) bool {
	_ = s.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := s.conn.WriteMessage(kind, data); err != nil {
		s.log.Debug("stream write failed; closing the stream", slog.Any("error", err))
		// Closing the socket ends the reader, and with it the handler.
		_ = s.conn.Close()
		return false
	}
	return true
}

// closeWith starts the close handshake and gives the client closeWait to
// reply with its close frame before the reader gives up.
func (s *stream) closeWith(code int, reason string) {
	closeWith(s.conn, code, reason)
	_ = s.conn.SetReadDeadline(time.Now().Add(closeWait))
}

func closeWith(conn *fastws.Conn, code int, reason string) {
	message := fastws.FormatCloseMessage(code, reason)
	if err := conn.WriteControl(fastws.CloseMessage, message, time.Now().Add(writeTimeout)); err != nil {
		_ = conn.Close()
	}
}
