package registry

import (
	"net/http"
	"strings"
	"testing"
)

func TestPlainHTTPOnlyForLoopback(t *testing.T) {
	for host, want := range map[string]bool{"127.0.0.1:5000": true, "localhost:5000": true, "[::1]:5000": true,
		"10.0.0.1:5000": false, "192.168.1.2": false, "registry.example": false} {
		if got := loopback(host); got != want {
			t.Errorf("loopback(%q) = %v, want %v", host, got, want)
		}
	}
	req, _ := http.NewRequest("GET", "http://192.168.1.2:5000/v2/", nil)
	if _, err := (httpsUnlessLoopback{http.DefaultTransport}).RoundTrip(req); err == nil || !strings.Contains(err.Error(), "plain HTTP") {
		t.Errorf("plain HTTP to a private address: %v", err)
	}
	ref, err := ParseReference("docker://alpine")
	if err != nil || ref.Name() != "index.docker.io/library/alpine:latest" {
		t.Errorf("docker://alpine = %v, %v", ref, err)
	}
}
