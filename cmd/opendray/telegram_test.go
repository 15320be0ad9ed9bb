package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeBotAPI is a Telegram Bot API on 127.0.0.1 that records every
// sendMessage and serves queued updates to getUpdates.
type fakeBotAPI struct {
	server *httptest.Server

	mu       sync.Mutex
	sent     []sentMessage
	updates  []map[string]any
	nextID   int64
	arrived  chan struct{}
	lastSeen int64
}

type sentMessage struct {
	ID     int64
	ChatID int64
	Text   string
}

func newFakeBotAPI(t *testing.T) *fakeBotAPI {
	t.Helper()
	f := &fakeBotAPI{nextID: 100, arrived: make(chan struct{}, 1)}
	f.server = httptest.NewServer(http.HandlerFunc(f.handle))
	t.Cleanup(f.server.Close)
	return f
}

func (f *fakeBotAPI) handle(w http.ResponseWriter, r *http.Request) {
	method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	var body map[string]any
	json.NewDecoder(r.Body).Decode(&body)
	w.Header().Set("Content-Type", "application/json")

	switch method {
	case "getMe":
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": map[string]any{"id": 1, "is_bot": true, "username": "opendray_test_bot"}})
	case "sendMessage":
		f.mu.Lock()
		f.nextID++
		id := f.nextID
		chat, _ := body["chat_id"].(float64)
		text, _ := body["text"].(string)
		f.sent = append(f.sent, sentMessage{ID: id, ChatID: int64(chat), Text: text})
		f.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": map[string]any{"message_id": id, "date": time.Now().Unix(), "chat": map[string]any{"id": int64(chat)}}})
	case "getUpdates":
		offset, _ := body["offset"].(float64)
		deadline := time.Now().Add(time.Second)
		for {
			f.mu.Lock()
			var ready []map[string]any
			for _, u := range f.updates {
				if u["update_id"].(int64) >= int64(offset) {
					ready = append(ready, u)
				}
			}
			f.mu.Unlock()
			if len(ready) > 0 || time.Now().After(deadline) {
				json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": ready})
				return
			}
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	default:
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
	}
}

// queueMessage makes a chat message available to getUpdates.
func (f *fakeBotAPI) queueMessage(chatID int64, text string, replyTo int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := int64(len(f.updates) + 1)
	message := map[string]any{
		"message_id": 1000 + id,
		"date":       time.Now().Unix(),
		"chat":       map[string]any{"id": chatID},
		"from":       map[string]any{"id": chatID, "username": "operator"},
		"text":       text,
	}
	if replyTo != 0 {
		message["reply_to_message"] = map[string]any{"message_id": replyTo, "chat": map[string]any{"id": chatID}, "date": time.Now().Unix()}
	}
	f.updates = append(f.updates, map[string]any{"update_id": id, "message": message})
}

// waitSent waits for a sent message that contains every one of parts.
func (f *fakeBotAPI) waitSent(t *testing.T, timeout time.Duration, parts ...string) sentMessage {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		f.mu.Lock()
		for _, m := range f.sent {
			all := true
			for _, part := range parts {
				all = all && strings.Contains(m.Text, part)
			}
			if all {
				f.mu.Unlock()
				return m
			}
		}
		f.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t.Fatalf("no sent message contains %q within %s; sent: %+v", parts, timeout, f.sent)
	return sentMessage{}
}

// An idle session produces a Telegram message with its screen and a link,
// and a reply to that message is typed into the session.
func TestTelegramIdleNotificationAndReply(t *testing.T) {
	bot := newFakeBotAPI(t)
	p := startServe(t,
		"OPENDRAY_DATABASE_URL="+databaseURL,
		"OPENDRAY_TELEGRAM_BOT_TOKEN=123456:test-token",
		"OPENDRAY_TELEGRAM_CHAT_ID=4242",
		"OPENDRAY_TELEGRAM_API_BASE="+bot.server.URL,
		"OPENDRAY_PUBLIC_URL=https://agents.example.com",
		"OPENDRAY_SESSION_IDLE_THRESHOLD=1s",
		"OPENDRAY_SESSION_IDLE_INTERVAL=200ms",
	)
	p.waitLog(t, "opendray ready", 30*time.Second)
	token := login(t, p, "admin", "correct-horse-battery")

	code, created := call(t, p, http.MethodPost, "/api/v1/sessions", token, map[string]any{
		"provider": "custom", "command": "/bin/sh", "args": []string{"-c", "echo 'Proceed with the refactor? [y/n]'; read answer; echo \"got-$answer\"; sleep 30"},
		"name": "refactor", "cwd": t.TempDir(), "cols": 80, "rows": 24,
	})
	if code != http.StatusCreated {
		t.Fatalf("create session = %d %v", code, created)
	}
	id := created["id"].(string)

	note := bot.waitSent(t, 30*time.Second, "refactor", "Proceed with the refactor?", "https://agents.example.com/admin/sessions/"+id)
	if note.ChatID != 4242 {
		t.Errorf("notification went to chat %d; want 4242", note.ChatID)
	}
	if strings.Contains(p.log(), "test-token") {
		t.Error("the bot token appears in the log")
	}

	bot.queueMessage(9999, "stranger-text", note.ID)
	bot.queueMessage(4242, "yes-from-phone", note.ID)

	deadline := time.Now().Add(30 * time.Second)
	for {
		code, snapshot := call(t, p, http.MethodGet, "/api/v1/sessions/"+id+"/snapshot", token, nil)
		if code == http.StatusOK {
			screen := strings.Join(toStrings(snapshot["lines"]), "\n")
			if strings.Contains(screen, "stranger-text") {
				t.Fatalf("a message from another chat reached the session:\n%s", screen)
			}
			if strings.Contains(screen, "got-yes-from-phone") {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reply did not reach the session; screen: %v", snapshot["lines"])
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The input that came from the chat is on the audit trail.
	deadline = time.Now().Add(15 * time.Second)
	for !auditHas(t, p, token, "notify.input", id) {
		if time.Now().After(deadline) {
			t.Fatal("no notify.input audit event for the session")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// auditHas reports whether the audit trail holds an event of this name
// about the session.
func auditHas(t *testing.T, p *proc, token, name, sessionID string) bool {
	t.Helper()
	code, body := call(t, p, http.MethodGet, "/api/v1/audit?limit=200", token, nil)
	if code != http.StatusOK {
		t.Fatalf("audit = %d %v", code, body)
	}
	events, _ := body["events"].([]any)
	for _, e := range events {
		row, _ := e.(map[string]any)
		if row["event"] == name && row["session_id"] == sessionID {
			return true
		}
	}
	return false
}

func toStrings(v any) []string {
	items, _ := v.([]any)
	out := make([]string, 0, len(items))
	for _, item := range items {
		s, _ := item.(string)
		out = append(out, s)
	}
	return out
}
