// Package system implements the clock and id ports on the real machine.
package system

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"

	"github.com/chatlens/chatlens/core"
)

// Clock is the wall clock, in UTC, truncated to microseconds so that a
// value read back from PostgreSQL equals the value written.
type Clock struct{}

// Now returns the current time.
func (Clock) Now() time.Time { return core.StorageTime(time.Now()) }

// UUIDv7 makes RFC 9562 version 7 UUIDs: time-ordered, so ids created later
// sort later and index inserts stay at the right edge. Within one
// millisecond a counter keeps them increasing.
type UUIDv7 struct {
	mu     sync.Mutex
	lastMS int64
	seq    uint16
}

// NewID returns a new UUID in its canonical text form.
func (g *UUIDv7) NewID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // never fails since Go 1.24

	g.mu.Lock()
	ms := time.Now().UnixMilli()
	if ms <= g.lastMS {
		ms = g.lastMS
		g.seq++
		if g.seq > 0x0fff { // counter spent: borrow the next millisecond
			ms++
			g.seq = 0
		}
	} else {
		g.seq = uint16(u[6])<<4 | uint16(u[7]>>4)&0x07ff // random start, room to count
	}
	g.lastMS = ms
	seq := g.seq
	g.mu.Unlock()

	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(ms))
	copy(u[0:6], ts[2:8])
	u[6] = 0x70 | byte(seq>>8)&0x0f
	u[7] = byte(seq)
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	return format(u)
}

func format(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
