package chatparse

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

type zipEntry struct {
	name string
	data []byte
}

func buildZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseWhatsAppZipFindsTheChat(t *testing.T) {
	chat, err := os.ReadFile("testdata/whatsapp/ios_mdy_12h_nnbsp_en.txt")
	if err != nil {
		t.Fatal(err)
	}
	// The zipped chat must parse exactly as the text file does, which
	// TestParseWhatsAppFixtures checks against its .want.json.
	want, _, err := parseAll(t, Parse(bytes.NewReader(chat), Options{}))
	if err != nil {
		t.Fatal(err)
	}
	photo := zipEntry{"00000012-PHOTO-2024-01-15-15-24-00.jpg", []byte("\xff\xd8 not really a jpeg")}
	notes := zipEntry{"notes.txt", []byte("just some notes\n")}
	cases := []struct {
		name    string
		entries []zipEntry
		chat    string
	}{
		{"_chat.txt wins", []zipEntry{notes, {"WhatsApp Chat with X.txt", []byte("01/02/24, 10:00 - A: other\n")}, {"_chat.txt", chat}, photo}, "_chat.txt"},
		{"named like an export", []zipEntry{notes, {"WhatsApp Chat - Trail Friends.txt", chat}, photo}, "WhatsApp Chat - Trail Friends.txt"},
		{"found by its content", []zipEntry{notes, {"export/mychat.txt", chat}, photo}, "export/mychat.txt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := buildZip(t, c.entries...)
			// Through Parse with detection, and through ParseZip.
			for _, s := range []*Stream{Parse(bytes.NewReader(data), Options{}), ParseZip(bytes.NewReader(data), int64(len(data)), Options{})} {
				msgs, rep, err := parseAll(t, s)
				if err != nil {
					t.Fatal(err)
				}
				if rep.Format != FormatWhatsAppZip || !reflect.DeepEqual(msgs, want) || rep.Chat != "Trail Friends" {
					t.Errorf("format %v, %d messages (want %d, same as the .txt), chat %q", rep.Format, len(msgs), len(want), rep.Chat)
				}
				if rep.AttachmentCount != len(c.entries)-1 || !contains(rep.Attachments, photo.name) || contains(rep.Attachments, c.chat) {
					t.Errorf("attachments %v", rep.Attachments)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestParseWhatsAppZipLimits(t *testing.T) {
	big := bytes.Repeat([]byte("01/02/24, 10:00 - Ann: the same words again and again\n"), 40_000) // ~2 MiB, compresses to little
	many := make([]zipEntry, 0, 51)
	for i := range 50 {
		many = append(many, zipEntry{fmt.Sprintf("IMG-%d.jpg", i), []byte("x")})
	}
	many = append(many, zipEntry{"_chat.txt", []byte("01/02/24, 10:00 - Ann: hi\n")})
	lim := Limits{MaxZipChatBytes: 1 << 20, MaxZipEntries: 20}
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"chat bigger than the limit", buildZip(t, zipEntry{"_chat.txt", big}), ErrZipTooLarge},
		{"too many entries", buildZip(t, many...), ErrZipTooManyEntries},
		{"no chat", buildZip(t, zipEntry{"IMG-1.jpg", []byte("x")}, zipEntry{"notes.txt", []byte("hello\n")}), ErrZipNoChat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := parseAll(t, ParseZip(bytes.NewReader(c.data), int64(len(c.data)), Options{Limits: lim}))
			if !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
		})
	}
}

// TestParseWhatsAppZipBombWithLyingSize: an entry that declares a small size
// and inflates to far more is stopped, by archive/zip or by the size guard.
func TestParseWhatsAppZipBombWithLyingSize(t *testing.T) {
	data := lyingZip(t, bytes.Repeat([]byte("01/02/24, 10:00 - Ann: boom\n"), 200_000), 100)
	_, _, err := parseAll(t, ParseZip(bytes.NewReader(data), int64(len(data)), Options{Limits: Limits{MaxZipChatBytes: 1 << 20}}))
	if !errors.Is(err, ErrZipTooLarge) && !errors.Is(err, zip.ErrFormat) {
		t.Errorf("got %v, want ErrZipTooLarge or zip.ErrFormat", err)
	}
}

// lyingZip writes content deflated under a header declaring declared bytes.
func lyingZip(t *testing.T, content []byte, declared uint64) []byte {
	var deflated bytes.Buffer
	{
		zw := zip.NewWriter(&deflated)
		w, _ := zw.Create("x")
		w.Write(content)
		zw.Close()
	}
	zr, err := zip.NewReader(bytes.NewReader(deflated.Bytes()), int64(deflated.Len()))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := zr.File[0].OpenRaw()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	h := zr.File[0].FileHeader
	h.Name, h.UncompressedSize64 = "_chat.txt", declared
	w, err := zw.CreateRaw(&h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, raw); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return out.Bytes()
}

func TestSizeGuard(t *testing.T) {
	g := &sizeGuard{r: &endless{n: 1 << 20}, left: 1000}
	n, err := io.Copy(io.Discard, g)
	if !errors.Is(err, ErrZipTooLarge) || n > 1001 {
		t.Errorf("read %d, err %v", n, err)
	}
	if _, err := g.Read(make([]byte, 10)); !errors.Is(err, ErrZipTooLarge) {
		t.Errorf("the error does not stick: %v", err)
	}
}

func TestParseZipFromAPlainStreamNeedsRandomAccess(t *testing.T) {
	data := buildZip(t, zipEntry{"_chat.txt", []byte("01/02/24, 10:00 - Ann: hi\n")})
	_, _, err := parseAll(t, Parse(io.MultiReader(bytes.NewReader(data)), Options{}))
	if !errors.Is(err, ErrNeedRandomAccess) {
		t.Errorf("got %v", err)
	}
}

func TestDetect(t *testing.T) {
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name string
		in   []byte
		want Format
	}{
		{"android", read("testdata/whatsapp/android_pt.txt"), FormatWhatsApp},
		{"ios with BOM and marks", read("testdata/whatsapp/ios_mdy_12h_nnbsp_en.txt"), FormatWhatsApp},
		{"preamble first", read("testdata/whatsapp/dash_date_preamble.txt"), FormatWhatsApp},
		{"telegram single", read("testdata/telegram/single_chat.json"), FormatTelegram},
		{"telegram full", read("testdata/telegram/full_account.json"), FormatTelegram},
		{"telegram minimal", []byte(`{"name":"x","type":"personal_chat","id":1,"messages":[]}`), FormatTelegram},
		{"telegram verification codes", []byte(`{"name":"x","type":"verification_codes","id":1,"messages":[]}`), FormatTelegram},
		{"discord", read("testdata/discord/channel.json"), FormatDiscord},
		{"discord cut short", read("testdata/discord/channel.json")[:300], FormatDiscord},
		{"zip", buildZip(t, zipEntry{"_chat.txt", []byte("x")}), FormatWhatsAppZip},
		{"plain text", []byte("Dear diary,\ntoday 12:00 was lunch.\n"), FormatAuto},
		{"other json", []byte(`{"users": [{"login": "x"}]}`), FormatAuto},
		{"package.json", []byte(`{"name": "x", "version": "1.0.0", "type": "module", "author": "a", "messages": "none"}`), FormatAuto},
		{"keys of both but no structure", []byte(`{"name": "x", "text": "y", "from": "z", "date": "d", "content": "c"}`), FormatAuto},
		{"messages without types", []byte(`{"messages": [{"text": "hi"}]}`), FormatAuto},
		{"telegram with a BOM", append([]byte("\uFEFF"), read("testdata/telegram/single_chat.json")...), FormatTelegram},
		{"telegram typed messages only", []byte(`{"messages": [{"id": 1, "type": "message"}]}`), FormatTelegram},
		{"telegram account window full of contacts", []byte(`{"about": "x", "contacts": {"list": [{"first_name": "a"`), FormatTelegram},
		{"discord channel only", []byte(`{"channel": {"name": "c"}, "messages": [`), FormatDiscord},
		{"empty", nil, FormatAuto},
	}
	for _, c := range cases {
		if got := Detect(c.in); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	_, _, err := parseAll(t, Parse(strings.NewReader("Dear diary,\n"), Options{}))
	if !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown content: %v", err)
	}
}

func TestZipEntryCountReadsTheEndRecord(t *testing.T) {
	entries := []zipEntry{{"a", nil}, {"b", nil}, {"c", nil}}
	data := buildZip(t, entries...)
	if n, ok := zipEntryCount(bytes.NewReader(data), int64(len(data)), 100); !ok || n != 3 {
		t.Errorf("got %d, %v", n, ok)
	}
	if _, ok := zipEntryCount(bytes.NewReader([]byte("short")), 5, 100); ok {
		t.Error("found an end record in 5 bytes")
	}
}

// rawZipDirectory builds a zip of n central-directory entries (no file
// data: archive/zip reads the directory only) whose end record declares
// records entries and a directory of dirSize bytes (the real size when 0).
func rawZipDirectory(n int, records uint16, dirSize uint32) []byte {
	var b bytes.Buffer
	var h [46]byte
	copy(h[:], "PK\x01\x02")
	binary.LittleEndian.PutUint16(h[28:], 1) // a one-byte name
	for range n {
		b.Write(h[:])
		b.WriteByte('a')
	}
	if dirSize == 0 {
		dirSize = uint32(b.Len())
	}
	var e [22]byte
	copy(e[:], "PK\x05\x06")
	binary.LittleEndian.PutUint16(e[8:], records)
	binary.LittleEndian.PutUint16(e[10:], records)
	binary.LittleEndian.PutUint32(e[12:], dirSize)
	// The directory starts at offset 0: with a lying size, archive/zip
	// finds a header there and reads from it.
	b.Write(e[:])
	return b.Bytes()
}

// TestParseWhatsAppZipEntryCountNotTrusted: archive/zip accepts a directory
// whose entry count matches the end record modulo 65,536, so 65,540 entries
// can declare 4; they must be refused before archive/zip holds them all.
func TestParseWhatsAppZipEntryCountNotTrusted(t *testing.T) {
	const n = 65_536 + 4
	cases := map[string][]byte{
		"count modulo 65536":           rawZipDirectory(n, 4, 0),
		"count and directory size lie": rawZipDirectory(n, 4, 47*4),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err != nil {
				t.Fatalf("archive/zip refuses the input, so it tests nothing: %v", err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := parseAll(t, ParseZip(bytes.NewReader(data), int64(len(data)), Options{Limits: Limits{MaxZipEntries: 100}}))
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrZipTooManyEntries) {
				t.Fatalf("got %v, want ErrZipTooManyEntries", err)
			}
			// archive/zip's *File per entry would take several MiB.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("allocated %d KiB before refusing", alloc>>10)
			}
		})
	}
}

func TestParseFormatWhatsAppZipOnNonZip(t *testing.T) {
	_, _, err := parseAll(t, Parse(strings.NewReader("01/02/24, 10:00 - Ann: hi\n"), Options{Format: FormatWhatsAppZip}))
	if !errors.Is(err, ErrNotZip) {
		t.Errorf("got %v, want ErrNotZip", err)
	}
}
