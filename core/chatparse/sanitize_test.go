package chatparse

import (
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chatlens/chatlens/core"
)

func TestParseRepairsInvalidUTF8AndNUL(t *testing.T) {
	cases := []struct {
		name, in       string
		opts           Options
		author, text   string
		invalid, nul   int
		warningMention string
	}{
		{"latin-1 whatsapp export", "01/02/24, 10:00 - Jos\xe9: caf\xe9 cr\xe8me\n", Options{},
			"Jos\uFFFD", "caf\uFFFD cr\uFFFDme", 1, 0, "not valid UTF-8"},
		{"NUL in a whatsapp message", "01/02/24, 10:00 - Ann: a\x00b\n", Options{},
			"Ann", "a\uFFFDb", 0, 1, "NUL"},
		{"NUL in a telegram message", `{"name": "c", "messages": [{"id": 1, "type": "message", ` +
			`"date_unixtime": "1700000000", "from": "A\u0000n", "text": "x\u0000"}]}`, Options{},
			"A\uFFFDn", "x\uFFFD", 0, 1, "NUL"},
		{"NUL in a discord message", `{"guild": {"name": "g"}, "channel": {"name": "c"}, "messages": [{"id": "1", ` +
			`"timestamp": "2024-01-01T00:00:00Z", "author": {"id": "5", "name": "kai"}, "content": "\u0000"}]}`, Options{},
			"kai", "\uFFFD", 0, 1, "NUL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msgs, rep, err := parseAll(t, Parse(strings.NewReader(c.in), c.opts)) // parseAll validates each message
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != 1 || msgs[0].Author != c.author || msgs[0].Text != c.text {
				t.Fatalf("messages %+v", msgs)
			}
			if rep.RepairedUTF8 != c.invalid || rep.RepairedNUL != c.nul ||
				!strings.Contains(strings.Join(rep.Warnings, "\n"), c.warningMention) {
				t.Errorf("repaired %d invalid, %d NUL; warnings %q", rep.RepairedUTF8, rep.RepairedNUL, rep.Warnings)
			}
		})
	}
}

// TestParseWhatsAppLineCutOnARuneBoundary: a line cut at MaxLineBytes in the
// middle of a character keeps valid UTF-8 without counting a repair.
func TestParseWhatsAppLineCutOnARuneBoundary(t *testing.T) {
	for _, maxLine := range []int{100, 101, 102, 103} {
		in := "01/02/24, 10:00 - Ann: " + strings.Repeat("€", 100) + "\n01/02/24, 10:01 - Ben: ok\n"
		msgs, rep, err := parseAll(t, Parse(strings.NewReader(in), Options{Limits: Limits{MaxLineBytes: maxLine}}))
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 2 || !utf8.ValidString(msgs[0].Text) || rep.RepairedUTF8 != 0 || rep.TruncatedLines != 1 {
			t.Errorf("max %d: %d messages, first %q, %d repaired, %d cut", maxLine, len(msgs), msgs[0].Text, rep.RepairedUTF8, rep.TruncatedLines)
		}
	}
	for n := range 8 {
		if got := cutRunes("a€b", n); !utf8.ValidString(got) || len(got) > n {
			t.Errorf("cutRunes(a€b, %d) = %q", n, got)
		}
	}
}

// hostileJSON streams a JSON export whose names and ids are each big bytes
// long, without holding it: the test measures the parser, not its input.
func hostileJSON(n, big int, head, item, tail string) io.Reader {
	parts := []io.Reader{strings.NewReader(head)}
	for i := range n {
		sep := ","
		if i == 0 {
			sep = ""
		}
		// item holds two %[1]s holes for the big values and %[2]d for i.
		pieces := strings.Split(fmt.Sprintf(item, "\x01", i), "\x01")
		parts = append(parts, strings.NewReader(sep+pieces[0]))
		for _, p := range pieces[1:] {
			parts = append(parts, &endless{n: int64(big)}, strings.NewReader(p))
		}
	}
	return io.MultiReader(append(parts, strings.NewReader(tail))...)
}

// retainedAfter returns how much the live heap grew while parse ran and
// what it returned is still held.
func retainedAfter(parse func() any) (uint64, any) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept := parse()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc < before.HeapAlloc {
		return 0, kept
	}
	return after.HeapAlloc - before.HeapAlloc, kept
}

// TestParseHostileJSONMemoryStaysFlat: 64 messages or chats whose ids and
// names are 256 KiB each (16 MiB of them) leave less than 2 MiB behind.
func TestParseHostileJSONMemoryStaysFlat(t *testing.T) {
	const n, big = 64, 256 << 10
	cases := []struct {
		name string
		in   func() io.Reader
		opts Options
	}{
		{"discord ids and names", func() io.Reader {
			return hostileJSON(n, big, `{"guild": {"name": "g"}, "channel": {"name": "c"}, "messages": [`,
				`{"id": "%[1]s%[2]d", "timestamp": "2024-01-01T00:00:00Z", "author": {"name": "%[1]s%[2]d"}, "content": "hi"}`, `]}`)
		}, Options{}},
		{"telegram names", func() io.Reader {
			return hostileJSON(n, big, `{"name": "c", "messages": [`,
				`{"id": %[2]d, "type": "message", "date_unixtime": "1700000000", "from": "%[1]s%[2]d", "text": "hi"}`, `]}`)
		}, Options{}},
		{"telegram full export chat names", func() io.Reader {
			return hostileJSON(n, big, `{"chats": {"list": [`, `{"name": "%[1]s%[2]d", "id": %[2]d, "messages": []}`, `]}}`)
		}, Options{Chat: "none"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			grew, kept := retainedAfter(func() any {
				s := Parse(c.in(), c.opts)
				var last error
				for _, err := range s.Messages() {
					last = err
				}
				return []any{s, last}
			})
			s := kept.([]any)[0].(*Stream)
			if rep := s.Report(); rep.Messages != 0 && rep.Messages != n {
				t.Fatalf("%d messages, want %d; error %v", rep.Messages, n, kept.([]any)[1])
			}
			if grew > 2<<20 {
				t.Errorf("%d KiB still held after the parse (%d KiB of names and ids were read)", grew>>10, 2*n*big>>10)
			}
			for _, p := range s.Report().Participants {
				if len(p) > maxNameBytes {
					t.Errorf("a participant name of %d bytes is kept", len(p))
				}
			}
		})
	}
}

// storable must agree with utf8.ValidString and a search for NUL. Its
// automaton reads bytes by class, and pool holds every class's edges, so
// every string of up to four bytes from pool is every path of up to four
// steps; every two-byte string and random longer ones are checked too, each
// alone and after ASCII.
func TestStorableAgreesWithValidString(t *testing.T) {
	check := func(s string) {
		t.Helper()
		for _, s := range [...]string{s, "ab" + s, s + "c"} {
			want := utf8.ValidString(s) && !strings.Contains(s, "\x00")
			if got := storable(s); got != want {
				t.Fatalf("storable(%q) = %v, want %v", s, got, want)
			}
		}
	}
	pool := []byte{0x00, 0x01, 'a', 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
		0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF}
	var walk func(prefix []byte)
	walk = func(prefix []byte) {
		check(string(prefix))
		if len(prefix) < 4 {
			for _, b := range pool {
				walk(append(prefix, b))
			}
		}
	}
	walk(nil)
	for v := range 1 << 16 {
		check(string([]byte{byte(v), byte(v >> 8)}))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 40)
	for range 100_000 {
		n := rng.IntN(len(buf) + 1)
		for i := range n {
			buf[i] = pool[rng.IntN(len(pool))]
		}
		check(string(buf[:n]))
	}
}

// TestRepairMessageReachesEveryText sets every string of a message, nested
// ones included, to invalid UTF-8 with a NUL, and checks that repairMessage
// leaves none of them so: a text field added to core.Message without a
// repair fails here.
func TestRepairMessageReachesEveryText(t *testing.T) {
	m := &core.Message{Attachments: make([]core.Attachment, 2), Reactions: []core.Reaction{{By: make([]core.Reactor, 2)}},
		Geo: &core.GeoPoint{}, Event: &core.Event{Members: make([]string, 2)}}
	const bad = "a\xff\x00b"
	var walk func(v reflect.Value, path string, visit func(v reflect.Value, path string))
	walk = func(v reflect.Value, path string, visit func(v reflect.Value, path string)) {
		switch v.Kind() {
		case reflect.String:
			visit(v, path)
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem(), path, visit)
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i), visit)
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i), path+"."+v.Type().Field(i).Name, visit)
				}
			}
		}
	}
	fields := 0
	walk(reflect.ValueOf(m), "Message", func(v reflect.Value, _ string) { v.SetString(bad); fields++ })
	if invalid, nul := repairMessage(m); !invalid || !nul {
		t.Errorf("repairMessage reported invalid %v, NUL %v", invalid, nul)
	}
	walk(reflect.ValueOf(m), "Message", func(v reflect.Value, path string) {
		if s := v.String(); !utf8.ValidString(s) || strings.Contains(s, "\x00") {
			t.Errorf("%s = %q after repair", path, s)
		}
	})
	if fields < 15 {
		t.Fatalf("the walk set only %d strings", fields)
	}
}
