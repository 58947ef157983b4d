package gdbstub

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

func TestChecksumAndFrame(t *testing.T) {
	if got := string(frame([]byte("OK"))); got != "$OK#9a" {
		t.Fatalf("frame(OK) = %q, want $OK#9a", got)
	}
	if got := string(frame(nil)); got != "$#00" {
		t.Fatalf("empty frame = %q", got)
	}
	if got := string(frame([]byte("qSupported:multiprocess+"))); !strings.HasSuffix(got, "#c6") {
		t.Fatalf("frame = %q, want checksum c6", got)
	}
}

func TestEscapeRoundTrip(t *testing.T) {
	in := []byte{'a', '$', '#', '}', '*', 0, 0xff}
	esc := escapeBinary(in)
	want := []byte{'a', '}', '$' ^ 0x20, '}', '#' ^ 0x20, '}', '}' ^ 0x20, '}', '*' ^ 0x20, 0, 0xff}
	if !bytes.Equal(esc, want) {
		t.Fatalf("escape = %q, want %q", esc, want)
	}
	back, err := unescapeBinary(esc)
	if err != nil || !bytes.Equal(back, in) {
		t.Fatalf("unescape = %q, %v", back, err)
	}
	if _, err := unescapeBinary([]byte("ab}")); err == nil {
		t.Fatal("a trailing escape must fail")
	}
}

func TestRunLengthDecoding(t *testing.T) {
	// "0* " is '0' followed by 3 more: ' ' is 32, 32-29 = 3.
	got, err := expandRLE([]byte("0* 1"))
	if err != nil || string(got) != "00001" {
		t.Fatalf("expand = %q, %v", got, err)
	}
	for _, bad := range []string{"*a", "0*", "0*\x1f"} {
		if _, err := expandRLE([]byte(bad)); err == nil {
			t.Errorf("expandRLE(%q) accepted", bad)
		}
	}
}

func TestPacketReader(t *testing.T) {
	stream := "+$m1000,4#8e\x03-$g#00junk$qC#b4"
	pr := packetReader{r: bufio.NewReader(strings.NewReader(stream))}
	m, err := pr.next()
	if err != nil || string(m.payload) != "m1000,4" {
		t.Fatalf("first = %+v, %v", m, err)
	}
	if m, _ = pr.next(); !m.interrupt {
		t.Fatalf("want interrupt, got %+v", m)
	}
	if m, _ = pr.next(); !m.nack {
		t.Fatalf("want nack, got %+v", m)
	}
	if m, _ = pr.next(); !m.bad {
		t.Fatalf("want bad checksum, got %+v", m)
	}
	if m, _ = pr.next(); string(m.payload) != "qC" {
		t.Fatalf("want qC after noise, got %+v", m)
	}
}
