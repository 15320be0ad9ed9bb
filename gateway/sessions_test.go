package gateway

import (
	"bytes"
	"encoding/json"

	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.uber.org/goleak"

	"github.com/opendray/opendray/actors/session"
	"github.com/opendray/opendray/actors/session/sessiontest"
	"github.com/opendray/opendray/store/storetest"
)

// sessionsTestApp is a fiber app with the session routes on a fresh
// database and registry.
type sessionsTestApp struct {
	t   *testing.T
	app *fiber.App
	env *sessiontest.Env
}

func newSessionsTestApp(t *testing.T) *sessionsTestApp {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	throttle := goleak.IgnoreTopFunction("github.com/asynkron/protoactor-go/actor.NewDeadLetter.NewThrottle.func4.1")
	date := goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1")
	cleaner := goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2")
	t.Cleanup(func() { goleak.VerifyNone(t, ignore, throttle, date, cleaner) })

	database, err := storetest.Create("gateway_" + t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := database.Drop(); err != nil {
			t.Errorf("dropping %s: %v", database.Name, err)
		}
	})
	// Only the shell and custom commands are installed, whatever the host has.
	lookPath := func(name string) (string, error) {
		switch name {
		case "claude", "codex", "gemini":
			return "", exec.ErrNotFound
		}
		return exec.LookPath(name)
	}
	env := sessiontest.StartWith(t, database.URL, nil, func(d *session.Deps) { d.LookPath = lookPath })

	h := &SessionsHandler{Sessions: env.Client, Logger: env.Logger}
	app := fiber.New()
	app.Get("/api/v1/providers", h.Providers)
	app.Get("/api/v1/sessions", h.List)
	app.Post("/api/v1/sessions", h.Create)
	app.Get("/api/v1/sessions/:id", h.Get)
	app.Delete("/api/v1/sessions/:id", h.Delete)
	app.Post("/api/v1/sessions/:id/stop", h.Stop)
	app.Post("/api/v1/sessions/:id/input", h.Input)
	app.Post("/api/v1/sessions/:id/resize", h.Resize)
	app.Get("/api/v1/sessions/:id/buffer", h.Buffer)
	app.Get("/api/v1/sessions/:id/snapshot", h.Snapshot)
	return &sessionsTestApp{t: t, app: app, env: env}
}

// call sends a request and returns the status and body.
func (a *sessionsTestApp) call(method, path, body string) (int, []byte, http.Header) {
	a.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.app.Test(req, 20_000)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp.StatusCode, data, resp.Header
}

func (a *sessionsTestApp) callJSON(method, path, body string, wantStatus int, out any) {
	a.t.Helper()
	status, data, _ := a.call(method, path, body)
	if status != wantStatus {
		a.t.Fatalf("%s %s = %d %s; want %d", method, path, status, data, wantStatus)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: body %q is not JSON: %v", method, path, data, err)
		}
	}
}

func TestProvidersListsInstallStatus(t *testing.T) {
	a := newSessionsTestApp(t)
	var body struct {
		Providers []session.Provider `json:"providers"`
	}
	a.callJSON("GET", "/api/v1/providers", "", 200, &body)
	installed := map[string]bool{}
	for _, p := range body.Providers {
		installed[p.ID] = p.Installed
	}
	want := map[string]bool{"shell": true, "claude": false, "codex": false, "gemini": false, "custom": true}
	for id, wantInstalled := range want {
		got, listed := installed[id]
		if !listed {
			t.Errorf("provider %s missing from %+v", id, body.Providers)
			continue
		}
		if got != wantInstalled {
			t.Errorf("provider %s installed = %v; want %v", id, got, wantInstalled)
		}
	}
}

func TestCreateRejectsBadInput(t *testing.T) {
	a := newSessionsTestApp(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, body, mention string
	}{
		{"unknown provider", `{"provider":"vim"}`, `"vim"`},
		{"provider not installed", `{"provider":"claude"}`, "not installed"},
		{"custom without command", `{"provider":"custom"}`, "needs a command"},
		{"command not found", `{"command":"no-such-program-xyz"}`, "no-such-program-xyz"},
		{"missing cwd", `{"provider":"shell","cwd":"` + dir + `/nope"}`, "does not exist"},
		{"cwd is a file", `{"provider":"shell","cwd":"` + file + `"}`, "not a directory"},
		{"relative cwd", `{"provider":"shell","cwd":"tmp"}`, "absolute"},
		{"zero cols", `{"provider":"shell","cols":0}`, "cols is 0"},
		{"huge rows", `{"provider":"shell","rows":1001}`, "rows is 1001"},
		{"not JSON", `provider=shell`, "JSON"},
		{"empty body", ``, "empty"},
		{"unknown field", `{"provder":"shell"}`, "provder"},
		{"bad env key", `{"provider":"shell","env":{"A=B":"x"}}`, "A=B"},
	}
	for _, c := range cases {
		status, data, _ := a.call("POST", "/api/v1/sessions", c.body)
		if status != 400 {
			t.Errorf("%s: status %d %s; want 400", c.name, status, data)
			continue
		}
		var body struct{ Error string }
		if err := json.Unmarshal(data, &body); err != nil || !strings.Contains(body.Error, c.mention) {
			t.Errorf("%s: error %q does not mention %s", c.name, data, c.mention)
		}
	}
	var list struct{ Sessions []session.Info }
	a.callJSON("GET", "/api/v1/sessions", "", 200, &list)
	if len(list.Sessions) != 0 {
		t.Errorf("bad requests created %d sessions; want none", len(list.Sessions))
	}
}

func TestSessionRoutesLifecycle(t *testing.T) {
	a := newSessionsTestApp(t)
	var created session.Info
	a.callJSON("POST", "/api/v1/sessions",
		`{"command":"/bin/cat","name":"echo","cwd":"`+t.TempDir()+`","cols":100,"rows":30,"env":{"GREETING":"hi"}}`, 201, &created)
	if created.State != session.StateRunning || created.Cols != 100 || created.Name != "echo" || created.PID == nil {
		t.Errorf("created = %+v; want running 100 columns named echo with a pid", created)
	}
	base := "/api/v1/sessions/" + created.ID

	var list struct{ Sessions []session.Info }
	a.callJSON("GET", "/api/v1/sessions", "", 200, &list)
	if len(list.Sessions) != 1 || list.Sessions[0].ID != created.ID {
		t.Errorf("list = %+v; want the one session", list.Sessions)
	}

	if status, data, _ := a.call("POST", base+"/input", `{"data":"hello\n"}`); status != 204 {
		t.Fatalf("input = %d %s; want 204", status, data)
	}
	if status, data, _ := a.call("POST", base+"/input", `{"data_base64":"d29ybGQK"}`); status != 204 {
		t.Fatalf("base64 input = %d %s; want 204", status, data)
	}
	waitBuffer(t, a, base, "world")
	status, data, header := a.call("GET", base+"/buffer", "")
	if status != 200 || header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("buffer = %d with %s; want 200 octet-stream", status, header.Get("Content-Type"))
	}
	if header.Get("X-Opendray-Offset-Start") != "0" || header.Get("X-Opendray-Offset-End") != itoa(len(data)) {
		t.Errorf("offset headers %s..%s for %d bytes", header.Get("X-Opendray-Offset-Start"), header.Get("X-Opendray-Offset-End"), len(data))
	}

	var snap session.Snapshot
	a.callJSON("GET", base+"/snapshot", "", 200, &snap)
	if snap.Cols != 100 || snap.Rows != 30 || snap.Lines[0] != "hello" {
		t.Errorf("snapshot = %dx%d %q; want 100x30 starting with hello", snap.Cols, snap.Rows, snap.Lines[:2])
	}

	var resized session.Info
	a.callJSON("POST", base+"/resize", `{"cols":120,"rows":40}`, 200, &resized)
	if resized.Cols != 120 || resized.Rows != 40 {
		t.Errorf("resized to %dx%d; want 120x40", resized.Cols, resized.Rows)
	}

	var details map[string]any
	a.callJSON("GET", base, "", 200, &details)
	for _, key := range []string{"viewers", "idle_since", "last_output_at", "exit_code", "started_at"} {
		if _, present := details[key]; !present {
			t.Errorf("details have no %s: %v", key, details)
		}
	}

	if status, data, _ := a.call("DELETE", base, ""); status != 409 {
		t.Errorf("delete of a running session = %d %s; want 409", status, data)
	}

	var stopped session.Info
	a.callJSON("POST", base+"/stop", "", 200, &stopped)
	if stopped.State != session.StateStopped || stopped.ExitCode == nil {
		t.Errorf("stopped = %+v; want state stopped with an exit code", stopped)
	}
	if status, data, _ := a.call("POST", base+"/input", `{"data":"late"}`); status != 409 {
		t.Errorf("input to a stopped session = %d %s; want 409", status, data)
	}
	if status, data, _ := a.call("POST", base+"/stop", ""); status != 409 {
		t.Errorf("second stop = %d %s; want 409", status, data)
	}
	if status, data, _ := a.call("DELETE", base, ""); status != 204 {
		t.Errorf("delete = %d %s; want 204", status, data)
	}
	if status, _, _ := a.call("GET", base, ""); status != 404 {
		t.Errorf("get after delete = %d; want 404", status)
	}
}

func TestSessionRoutesRejectBadInput(t *testing.T) {
	a := newSessionsTestApp(t)
	var created session.Info
	a.callJSON("POST", "/api/v1/sessions", `{"command":"/bin/cat","cwd":"`+t.TempDir()+`"}`, 201, &created)
	base := "/api/v1/sessions/" + created.ID

	cases := []struct {
		method, path, body string
		status             int
		mention            string
	}{
		{"GET", "/api/v1/sessions/nope", "", 404, "nope"},
		{"POST", "/api/v1/sessions/nope/input", `{"data":"x"}`, 404, "nope"},
		{"GET", "/api/v1/sessions/nope/snapshot", "", 404, "nope"},
		{"POST", base + "/input", `{}`, 400, "missing data"},
		{"POST", base + "/input", `{"data":"a","data_base64":"YQ=="}`, 400, "not both"},
		{"POST", base + "/input", `{"data_base64":"%%%"}`, 400, "base64"},
		{"POST", base + "/input", `{"data":"` + strings.Repeat("x", 600<<10) + `"}`, 400, "at most"},
		{"POST", base + "/input", `data=x`, 400, "JSON"},
		{"POST", base + "/resize", `{"cols":0,"rows":10}`, 400, "cols is 0"},
		{"POST", base + "/resize", `{"cols":80,"rows":1001}`, 400, "rows is 1001"},
		{"POST", base + "/resize", `{"cols":80}`, 400, "missing"},
	}
	for _, c := range cases {
		status, data, _ := a.call(c.method, c.path, c.body)
		if status != c.status || !bytes.Contains(data, []byte(c.mention)) {
			t.Errorf("%s %s %.40s = %d %s; want %d mentioning %q", c.method, c.path, c.body, status, data, c.status, c.mention)
		}
	}

	var details session.Details
	a.callJSON("GET", base, "", 200, &details)
	if details.State != session.StateRunning || details.Cols != 80 {
		t.Errorf("session after bad requests = %s %dx%d; want running 80 columns", details.State, details.Cols, details.Rows)
	}
}

func waitBuffer(t *testing.T, a *sessionsTestApp, base, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, data, _ := a.call("GET", base+"/buffer", "")
		if bytes.Contains(data, []byte(want)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("buffer %q never contained %q", data, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func itoa(n int) string {
	data, _ := json.Marshal(n)
	return string(data)
}
