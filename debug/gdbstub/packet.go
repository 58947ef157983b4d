package gdbstub

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// interruptByte is what gdb sends, outside any packet, to stop the target
// (Ctrl-C).
const interruptByte = 0x03

// errBadChecksum reports a packet whose checksum did not match.
var errBadChecksum = errors.New("gdbstub: bad packet checksum")

// checksum is the protocol's modulo-256 sum of the payload bytes.
func checksum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return s
}

// needsEscape reports whether c must be escaped in binary data.
func needsEscape(c byte) bool { return c == '$' || c == '#' || c == '}' || c == '*' }

// escapeBinary escapes binary data for a packet: '}' followed by the byte
// XOR 0x20 for each of '$', '#', '}' and '*'.
func escapeBinary(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if needsEscape(c) {
			out = append(out, '}', c^0x20)
			continue
		}
		out = append(out, c)
	}
	return out
}

// unescapeBinary undoes escapeBinary (X packets).
func unescapeBinary(b []byte) ([]byte, error) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '}' {
			out = append(out, b[i])
			continue
		}
		if i+1 == len(b) {
			return nil, errors.New("gdbstub: binary data ends inside an escape")
		}
		i++
		out = append(out, b[i]^0x20)
	}
	return out, nil
}

// expandRLE expands the protocol's run-length encoding: "X*n" repeats X
// n-29 more times (n a printable character).
func expandRLE(b []byte) ([]byte, error) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '*' {
			out = append(out, b[i])
			continue
		}
		if len(out) == 0 || i+1 == len(b) {
			return nil, errors.New("gdbstub: run-length marker without a byte to repeat or a count")
		}
		i++
		n := int(b[i]) - 29
		if n < 3 {
			return nil, fmt.Errorf("gdbstub: run-length count %q out of range", b[i])
		}
		prev := out[len(out)-1]
		for range n {
			out = append(out, prev)
		}
	}
	return out, nil
}

// frame wraps a payload (already escaped where it holds binary data) as
// "$payload#cs".
func frame(payload []byte) []byte {
	out := make([]byte, 0, len(payload)+4)
	out = append(out, '$')
	out = append(out, payload...)
	return fmt.Appendf(out, "#%02x", checksum(payload))
}

// packetReader reads packets and interrupt bytes from gdb.
type packetReader struct {
	r *bufio.Reader
}

// message is one thing gdb sent: a packet, an interrupt, or an ack.
type message struct {
	payload   []byte
	interrupt bool
	nack      bool // '-': resend the last packet
	bad       bool // the checksum did not match: answer '-'
}

// next reads the next message, skipping '+' acks.
func (pr *packetReader) next() (message, error) {
	for {
		c, err := pr.r.ReadByte()
		if err != nil {
			return message{}, err
		}
		switch c {
		case '+':
			continue
		case '-':
			return message{nack: true}, nil
		case interruptByte:
			return message{interrupt: true}, nil
		case '$':
			return pr.body()
		}
		// Anything else outside a packet is noise: skip it.
	}
}

// body reads a packet after its '$'.
func (pr *packetReader) body() (message, error) {
	payload, err := pr.r.ReadBytes('#')
	if err != nil {
		return message{}, err
	}
	payload = payload[:len(payload)-1]
	var cs [2]byte
	if _, err := io.ReadFull(pr.r, cs[:]); err != nil {
		return message{}, err
	}
	want, err := strconv.ParseUint(string(cs[:]), 16, 8)
	if err != nil || byte(want) != checksum(payload) {
		return message{bad: true}, nil
	}
	expanded, err := expandRLE(payload)
	if err != nil {
		return message{bad: true}, nil
	}
	return message{payload: expanded}, nil
}
