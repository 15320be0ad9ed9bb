// Package ui embeds the admin single-page application.
//
// `make build` runs the Vite build into dist/app before compiling, and the
// binary then serves that build. A plain `go build` without it still
// compiles, because dist/placeholder.html is committed: the gateway then
// serves a page that explains how to build the UI. The package only provides
// files; routing and the index.html fallback belong to the gateway.
package ui

import (
	"embed"
	"io/fs"
	"testing/fstest"
)

// The all: prefix keeps files whose names start with "_" or ".", which
// bundlers may emit.
//
//go:embed all:dist
var dist embed.FS

// Assets returns the files of the admin UI with index.html at the root,
// and whether they are the real build. When the build is missing, fsys
// contains only index.html with the placeholder page and built is false.
func Assets() (fsys fs.FS, built bool) {
	return assetsFrom(dist)
}

func assetsFrom(root fs.FS) (fs.FS, bool) {
	app, err := fs.Sub(root, "dist/app")
	if err == nil {
		if _, err := fs.Stat(app, "index.html"); err == nil {
			return app, true
		}
	}

	page, err := fs.ReadFile(root, "dist/placeholder.html")
	if err != nil {
		// dist/placeholder.html is committed, so only a broken checkout
		// gets here; serve a one-line page rather than nothing.
		page = []byte("<!doctype html><title>opendray</title><p>The admin UI was not built: run make build.</p>\n")
	}
	// MapFS is a complete in-memory fs.FS (directories included), which a
	// file server needs even for a single file.
	return fstest.MapFS{"index.html": {Data: page, Mode: 0o444}}, false
}
