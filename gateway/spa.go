package gateway

import (
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// notBuiltPage is served at /admin/ when the binary carries no UI build.
const notBuiltPage = `<!doctype html><html><head><meta charset="utf-8"><title>opendray</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>opendray</h1><p>This binary was built without the web admin. Run <code>make build</code>,
which builds the UI in <code>ui/</code> with npm and embeds it, then start the new binary.</p>
<p>The API under <code>/api/v1/</code> works without it.</p></body></html>`

// serveSPA serves the embedded admin UI under /admin/. Paths that name a
// file serve it; any other path serves index.html, so client-side routes
// survive a reload. Hashed assets are cached for a year; index.html never.
func (s *Server) serveSPA(c *fiber.Ctx) error {
	if c.Path() == "/admin" {
		// The client router's base is /admin/; relative links need the slash.
		return c.Redirect("/admin/", fiber.StatusMovedPermanently)
	}
	if s.deps.SPA == nil {
		c.Set("Content-Type", "text/html; charset=utf-8")
		return c.SendString(notBuiltPage)
	}
	name := strings.TrimPrefix(path.Clean("/"+c.Params("*")), "/")
	if name == "" {
		name = "index.html"
	}
	data, err := fs.ReadFile(s.deps.SPA, name)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && name == "index.html") {
		if strings.HasPrefix(name, "assets/") {
			return NotFound("no such asset: " + name)
		}
		data, err = fs.ReadFile(s.deps.SPA, "index.html")
		name = "index.html"
	}
	if err != nil {
		return &Error{Status: http.StatusInternalServerError, Message: "admin UI unavailable", Cause: err}
	}
	if name == "index.html" {
		c.Set("Cache-Control", "no-cache")
	} else if strings.HasPrefix(name, "assets/") {
		c.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	contentType := mime.TypeByExtension(path.Ext(name))
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	c.Set("Content-Type", contentType)
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(data)
}
