// Package terminal serves the WebSocket stream of a PTY session.
//
// On connect the server sends a JSON text frame {"type":"attached",...}
// with the offset of the first output byte that follows, the replay of the
// session's ring (or what the client missed since ?since=N, after a gap
// notice when that is older than the ring), {"type":"offset"} once the
// replay is done, then live output. Output travels as binary frames of raw
// PTY bytes. State changes arrive as {"type":"state"} text frames; a
// finished session's stream ends with its final state and close code 1000.
//
// Binary frames from the client are keystrokes of at most 64 KiB; a larger
// frame is discarded with an error frame and the stream stays up. Text
// frames are JSON control messages: resize, and ack for clients that
// connected with ?flow=ack. Invalid JSON is ignored.
//
// Each stream has one writer goroutine that owns every write to the
// socket, and the handler goroutine reads. The handler returns only after
// the writer has ended, because contrib/websocket reuses the connection
// wrapper once the handler returns.
package terminal
