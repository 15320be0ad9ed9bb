package logging

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"gopkg.in/natefinch/lumberjack.v2"
)

// Rotation limits of the optional log file.
const (
	FileMaxSizeMB   = 10
	FileMaxBackups  = 5
	defaultRingSize = DefaultRingSize
)

// Options configures New.
type Options struct {
	Level  string // debug, info, warn or error
	Format string // text or json
	// File is an optional path of a rotating log file.
	File string
	// Stdout receives console output; os.Stdout when nil.
	Stdout io.Writer
	// RingSize is the number of records kept in memory; DefaultRingSize when 0.
	RingSize int
}

// Logging is the process's logger with the outputs behind it.
type Logging struct {
	Logger *slog.Logger
	Ring   *Ring
	Level  *slog.LevelVar
	file   *lumberjack.Logger
}

// New builds the logger. Close it to flush and close the log file.
func New(opts Options) (*Logging, error) {
	level := new(slog.LevelVar)
	if err := level.UnmarshalText([]byte(opts.Level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", opts.Level)
	}
	stdout := opts.Stdout
	if stdout == nil {
		stdout = os.Stdout
	}
	size := opts.RingSize
	if size == 0 {
		size = defaultRingSize
	}

	handlerOptions := &slog.HandlerOptions{Level: level}
	console, err := formatHandler(opts.Format, stdout, handlerOptions)
	if err != nil {
		return nil, err
	}
	ring := NewRing(size)
	handlers := []slog.Handler{console, &ringHandler{ring: ring, level: level}}

	var file *lumberjack.Logger
	if opts.File != "" {
		file = &lumberjack.Logger{Filename: opts.File, MaxSize: FileMaxSizeMB, MaxBackups: FileMaxBackups}
		fileHandler, _ := formatHandler(opts.Format, file, handlerOptions)
		handlers = append(handlers, fileHandler)
	}

	logger := slog.New(&redactor{next: &fanout{handlers: handlers}})
	return &Logging{Logger: logger, Ring: ring, Level: level, file: file}, nil
}

func formatHandler(format string, w io.Writer, opts *slog.HandlerOptions) (slog.Handler, error) {
	switch format {
	case "text", "":
		return slog.NewTextHandler(w, opts), nil
	case "json":
		return slog.NewJSONHandler(w, opts), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", format)
}

// Close closes the log file, if any.
func (l *Logging) Close() error {
	if l.file == nil {
		return nil
	}
	if err := l.file.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return err
	}
	return nil
}
