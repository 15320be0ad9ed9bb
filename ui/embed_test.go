package ui

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

func TestAssetsFromServesBuildWhenPresent(t *testing.T) {
	root := fstest.MapFS{
		"dist/placeholder.html":      {Data: []byte("placeholder")},
		"dist/app/index.html":        {Data: []byte("<div id=root>")},
		"dist/app/assets/index-1.js": {Data: []byte("console.log(1)")},
	}

	fsys, built := assetsFrom(root)
	if !built {
		t.Fatal("built = false; want true when dist/app/index.html exists")
	}
	index, err := fs.ReadFile(fsys, "index.html")
	if err != nil {
		t.Fatalf("reading index.html: %v", err)
	}
	if got := string(index); got != "<div id=root>" {
		t.Errorf("index.html = %q; want the built page", got)
	}
	if _, err := fs.Stat(fsys, "assets/index-1.js"); err != nil {
		t.Errorf("assets/index-1.js: %v; want the build's assets at the root", err)
	}
}

func TestAssetsFromFallsBackToPlaceholder(t *testing.T) {
	root := fstest.MapFS{
		"dist/placeholder.html": {Data: []byte("run make build")},
		"dist/app/stale.txt":    {Data: []byte("no index here")},
	}

	fsys, built := assetsFrom(root)
	if built {
		t.Fatal("built = true; want false without dist/app/index.html")
	}
	index, err := fs.ReadFile(fsys, "index.html")
	if err != nil {
		t.Fatalf("reading index.html: %v", err)
	}
	if got := string(index); got != "run make build" {
		t.Errorf("index.html = %q; want the placeholder page", got)
	}
	if _, err := fs.Stat(fsys, "stale.txt"); err == nil {
		t.Error("stale.txt is served; want only the placeholder")
	}
}

func TestEmbeddedPlaceholderExplainsBuild(t *testing.T) {
	page, err := fs.ReadFile(dist, "dist/placeholder.html")
	if err != nil {
		t.Fatalf("reading the embedded placeholder: %v", err)
	}
	if !strings.Contains(string(page), "make build") {
		t.Error("placeholder page does not mention make build")
	}
	if strings.Contains(string(page), "http://") || strings.Contains(string(page), "https://") {
		t.Error("placeholder page refers to another host; it must be self-contained")
	}
}

func TestAssetsReturnsIndex(t *testing.T) {
	fsys, built := Assets()
	index, err := fs.ReadFile(fsys, "index.html")
	if err != nil {
		t.Fatalf("Assets() has no index.html (built=%v): %v", built, err)
	}
	if !built && !strings.Contains(string(index), "make build") {
		t.Error("unbuilt Assets() index.html is not the placeholder")
	}
}
