package ociruntime

import (
	"io"
	"log/slog"
	"os"
	"strings"
)

// NewLog returns the runtime log: JSON lines as runc's logrus writes them
// ({"level":"error","msg":…,"time":…}, lower-case levels, "warning" for
// warnings) when format is "json", slog's text otherwise. containerd's
// shim reads the last "error" line of this file to explain a failed
// command. With path "" the log goes to fallback.
func NewLog(path, format string, fallback io.Writer) (*slog.Logger, io.Closer, error) {
	w, closer := fallback, io.NopCloser(nil)
	if path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, err
		}
		w, closer = f, f
	}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: logrusLevel})), closer, nil
	}
	return slog.New(slog.NewTextHandler(w, nil)), closer, nil
}

// logrusLevel writes levels the way logrus names them.
func logrusLevel(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 || a.Key != slog.LevelKey {
		return a
	}
	level := strings.ToLower(a.Value.String())
	if level == "warn" {
		level = "warning"
	}
	return slog.String(slog.LevelKey, level)
}
