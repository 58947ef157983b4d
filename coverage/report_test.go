package coverage

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestJSONGoldenAndRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sampleReport()); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json", buf.Bytes())

	back, err := Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	want := sampleReport()
	want.Normalize()
	if !reflect.DeepEqual(back, want) {
		t.Errorf("round trip changed the report:\n got %+v\nwant %+v", back, want)
	}
	var again bytes.Buffer
	if err := WriteJSON(&again, back); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Error("second encoding differs from the first")
	}
}

func TestJSONFieldNames(t *testing.T) {
	// The names documented in docs/coverage-schema.md.
	var buf bytes.Buffer
	if err := WriteJSON(&buf, sampleReport()); err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(buf.Bytes(), &generic); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"schema", "tool_version", "created", "runs", "fast_path", "syscalls"} {
		if _, ok := generic[key]; !ok {
			t.Errorf("top-level key %q missing", key)
		}
	}
	run := generic["runs"].([]any)[1].(map[string]any)
	for _, key := range []string{"argv", "exit_status", "signal", "duration_ns", "platform"} {
		if _, ok := run[key]; !ok {
			t.Errorf("run key %q missing", key)
		}
	}
	sys := generic["syscalls"].([]any)[1].(map[string]any) // ioctl, nr 16
	for _, key := range []string{"nr", "name", "level", "note", "handler", "count", "results", "first_site", "subops"} {
		if _, ok := sys[key]; !ok {
			t.Errorf("syscall key %q missing", key)
		}
	}
	if got := sys["first_site"].(map[string]any)["address"]; got != "0x7f0000012345" {
		t.Errorf("address = %v, want hex string", got)
	}
	sub := sys["subops"].([]any)[0].(map[string]any)
	for _, key := range []string{"kind", "value", "name", "level", "count", "results"} {
		if _, ok := sub[key]; !ok {
			t.Errorf("subop key %q missing", key)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	cases := map[string]string{
		"no schema":      `{"syscalls":[]}`,
		"future schema":  `{"schema":"elfloader-coverage/2","syscalls":[]}`,
		"unnamed":        `{"schema":"elfloader-coverage/1","syscalls":[{"nr":1}]}`,
		"kindless subop": `{"schema":"elfloader-coverage/1","syscalls":[{"nr":1,"name":"write","subops":[{"value":1}]}]}`,
		"bad address":    `{"schema":"elfloader-coverage/1","syscalls":[{"nr":1,"name":"write","first_site":{"address":"0xzz"}}]}`,
		"not json":       `schema`,
	}
	for name, input := range cases {
		if _, err := Decode(strings.NewReader(input)); err == nil {
			t.Errorf("%s: Decode accepted %s", name, input)
		}
	}
}

func TestAddressAcceptsNumbers(t *testing.T) {
	var a Address
	if err := json.Unmarshal([]byte(`4198400`), &a); err != nil || a != 0x401000 {
		t.Errorf("number: %v %v", a, err)
	}
	if err := json.Unmarshal([]byte(`"4198400"`), &a); err != nil || a != 0x401000 {
		t.Errorf("decimal string: %v %v", a, err)
	}
}

func TestErrnoAndSignalNames(t *testing.T) {
	if got := ErrnoName(2); got != "ENOENT" {
		t.Errorf("ErrnoName(2) = %q", got)
	}
	if got := ErrnoName(-38); got != "ENOSYS" {
		t.Errorf("ErrnoName(-38) = %q", got)
	}
	if got := ErrnoName(4000); got != "E4000" {
		t.Errorf("ErrnoName(4000) = %q", got)
	}
	if got := SignalName(11); got != "SIGSEGV" {
		t.Errorf("SignalName(11) = %q", got)
	}
}
