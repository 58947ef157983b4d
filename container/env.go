package container

import (
	"os"
	"slices"
	"strings"

	"github.com/elfloader/elfloader/images"
)

// ImageEnv builds the app's environment: the image's env, then the --env
// overrides (NAME=VALUE, or NAME to copy the host's value), then PATH and
// HOME when still missing.
func ImageEnv(base, overrides []string, home string) []string {
	env := WithEnv(base, overrides)
	set := func(kv string) { env = WithEnv(env, []string{kv}) }
	if _, ok := LookupEnv(env, "PATH"); !ok {
		set("PATH=" + images.DefaultPath)
	}
	if _, ok := LookupEnv(env, "HOME"); !ok {
		if home == "" {
			home = "/"
		}
		set("HOME=" + home)
	}
	return env
}

// WithEnv returns base with the overrides applied: NAME=VALUE replaces
// NAME's entry or is appended; a bare NAME copies elfloader's own value,
// if any.
func WithEnv(base, overrides []string) []string {
	env := append([]string(nil), base...)
	for _, kv := range overrides {
		if !strings.Contains(kv, "=") {
			val, ok := os.LookupEnv(kv)
			if !ok {
				continue
			}
			kv += "=" + val
		}
		name, _, _ := strings.Cut(kv, "=")
		i := slices.IndexFunc(env, func(e string) bool { n, _, _ := strings.Cut(e, "="); return n == name })
		if i >= 0 {
			env[i] = kv
		} else {
			env = append(env, kv)
		}
	}
	return env
}

func LookupEnv(env []string, name string) (string, bool) {
	for _, e := range env {
		if n, v, ok := strings.Cut(e, "="); ok && n == name {
			return v, true
		}
	}
	return "", false
}
