package netstack

import (
	"bytes"
	"encoding/binary"
	"time"
)

// The classic libpcap file format (pcap-savefile(5)), written here rather
// than with gopacket's pcapgo: importing pcapgo brings gopacket/layers,
// whose package initialisation took 3.4 ms of every elfloader start on
// this machine, captures or not. The tests read the files with pcapgo and
// tcpdump.

const (
	pcapMagic       = 0xa1b2c3d4 // microsecond timestamps
	pcapVersionMaj  = 2
	pcapVersionMin  = 4
	pcapLinkTypeRaw = 101 // LINKTYPE_RAW: packets begin with their IP header
)

// writePcapHeader appends the 24-byte file header.
func writePcapHeader(b *bytes.Buffer, snapLen int) {
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], pcapMagic)
	binary.LittleEndian.PutUint16(h[4:], pcapVersionMaj)
	binary.LittleEndian.PutUint16(h[6:], pcapVersionMin)
	// thiszone and sigfigs stay 0
	binary.LittleEndian.PutUint32(h[16:], uint32(snapLen))
	binary.LittleEndian.PutUint32(h[20:], pcapLinkTypeRaw)
	b.Write(h[:])
}

// writePcapRecord appends one packet: its 16-byte record header (time,
// captured and original lengths), then the captured bytes.
func writePcapRecord(b *bytes.Buffer, at time.Time, data []byte, origLen int) {
	var h [16]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(at.Unix()))
	binary.LittleEndian.PutUint32(h[4:], uint32(at.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(h[8:], uint32(len(data)))
	binary.LittleEndian.PutUint32(h[12:], uint32(origLen))
	b.Write(h[:])
	b.Write(data)
}
