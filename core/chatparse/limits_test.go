package chatparse

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chatlens/chatlens/core"
)

func TestParseWhatsAppLongLinesAndMessagesAreCut(t *testing.T) {
	lim := Limits{MaxLineBytes: 100, MaxMessageBytes: 250}
	long := strings.Repeat("é", 300) // 600 bytes, cut mid-rune must not leave invalid UTF-8
	in := "01/02/24, 10:00 - Ann: " + long + "\n" +
		strings.Repeat("continued line\n", 30) +
		"01/02/24, 10:01 - Ben: short\n"
	msgs, rep, err := parseAll(t, Parse(strings.NewReader(in), Options{Limits: lim}))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[1].Text != "short" || msgs[1].Author != "Ben" {
		t.Fatalf("messages after a cut line are lost: %+v", msgs)
	}
	if n := len(msgs[0].Text); n > 250 || !utf8.ValidString(msgs[0].Text) {
		t.Errorf("first message %d bytes, valid UTF-8 %v", n, utf8.ValidString(msgs[0].Text))
	}
	if rep.TruncatedLines != 1 || rep.TruncatedMessages != 1 || len(rep.Warnings) == 0 {
		t.Errorf("report: %d lines cut, %d messages cut, warnings %v", rep.TruncatedLines, rep.TruncatedMessages, rep.Warnings)
	}
}

// endless yields an unending line: the parser must cut it, not hold it.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), e.n)
	for i := range n {
		p[i] = 'x'
	}
	e.n -= n
	return int(n), nil
}

func TestParseWhatsAppHugeLineStaysBounded(t *testing.T) {
	r := io.MultiReader(strings.NewReader("01/02/24, 10:00 - Ann: "), &endless{n: 64 << 20}, strings.NewReader("\n01/02/24, 10:01 - Ben: after\n"))
	msgs, rep, err := parseAll(t, Parse(r, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || len(msgs[0].Text) > 256<<10 || msgs[1].Text != "after" || rep.TruncatedLines != 1 {
		t.Errorf("%d messages, first %d bytes, %d lines cut", len(msgs), len(msgs[0].Text), rep.TruncatedLines)
	}
}

func TestParseJSONLimits(t *testing.T) {
	cases := []struct {
		name, in string
		format   Format
	}{
		{"huge string", `{"messages": [{"type": "message", "text": "` + strings.Repeat("a", 4096) + `"}]}`, FormatTelegram},
		{"huge number", `{"messages": [{"id": ` + strings.Repeat("9", 4096) + `}]}`, FormatDiscord},
		{"deep nesting", `{"messages": [{"x": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}]}`, FormatTelegram},
		{"deep nesting discord", `{"guild": ` + strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat("}", 100) + `}`, FormatDiscord},
	}
	lim := Limits{MaxJSONTokenBytes: 1024, MaxJSONDepth: 32}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := parseAll(t, Parse(strings.NewReader(c.in), Options{Format: c.format, Limits: lim}))
			if !errors.Is(err, ErrJSONLimit) {
				t.Errorf("got %v, want ErrJSONLimit", err)
			}
		})
	}
}

func TestParseZeroMessagesIsAnErrorWithTheReport(t *testing.T) {
	cases := []struct {
		name, in string
		opts     Options
	}{
		{"whatsapp with nothing recognised", "hello\nworld\n", Options{Format: FormatWhatsApp}},
		{"telegram with no messages", `{"name": "x", "type": "personal_chat", "messages": []}`, Options{}},
		{"discord with no messages", `{"guild": {"name": "g"}, "channel": {"name": "c"}, "messages": []}`, Options{}},
		{"whatsapp with only a notice", "01/02/24, 10:00 - Messages and calls are end-to-end encrypted.\n", Options{}},
		{"discord with only a join", `{"guild": {"name": "g"}, "channel": {"name": "c"}, "messages": [` +
			`{"id": "1", "type": "GuildMemberJoin", "timestamp": "2024-01-01T00:00:00Z", "author": {"id": "5", "name": "kai"}}]}`, Options{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := parseAll(t, Parse(strings.NewReader(c.in), c.opts))
			var nm *NoMessagesError
			if !errors.Is(err, ErrNoMessages) || !errors.As(err, &nm) {
				t.Fatalf("got %v, want a NoMessagesError", err)
			}
			if nm.Report.Format == FormatAuto {
				t.Errorf("the report does not name the format: %+v", nm.Report)
			}
		})
	}
	_, _, err := parseAll(t, Parse(strings.NewReader("hello\nworld\n"), Options{Format: FormatWhatsApp}))
	var nm *NoMessagesError
	if errors.As(err, &nm) && (nm.Report.UnparsedLines != 2 || !strings.Contains(err.Error(), "first at line 1")) {
		t.Errorf("report %+v, error %v", nm.Report, err)
	}
}

func TestParseWhatsAppTruncationWarning(t *testing.T) {
	cases := []struct {
		n      int
		zipped bool
		warn   bool
	}{
		{whatsAppTruncationCount - 1, false, false},
		{whatsAppTruncationCount, false, true},
		{whatsAppMediaTruncationCount, false, false}, // without media 10,000 is no limit
		{whatsAppMediaTruncationCount - 1, true, false},
		{whatsAppMediaTruncationCount, true, true}, // with media it is
	}
	for _, c := range cases {
		chat, err := io.ReadAll(&generatedChat{n: c.n})
		if err != nil {
			t.Fatal(err)
		}
		s := Parse(bytes.NewReader(chat), Options{})
		if c.zipped {
			s = Parse(bytes.NewReader(buildZip(t, zipEntry{"_chat.txt", chat})), Options{})
		}
		_, rep, err := parseAll(t, s)
		if err != nil {
			t.Fatal(err)
		}
		warnings := strings.Join(rep.Warnings, "\n")
		if warned := strings.Contains(warnings, "truncated"); warned != c.warn {
			t.Errorf("%d messages, zipped %v: warned %v (%v)", c.n, c.zipped, warned, rep.Warnings)
		}
		if c.warn && (strings.Contains(warnings, "fewer days") || !strings.Contains(warnings, "another device")) {
			t.Errorf("advice: %s", warnings)
		}
		if c.warn && c.zipped && !strings.Contains(warnings, "without media") {
			t.Errorf("advice for a zip: %s", warnings)
		}
	}
}

func TestParseStopsWhenTheConsumerStops(t *testing.T) {
	s := Parse(&generatedChat{n: 1000}, Options{})
	seen := 0
	for _, err := range s.Messages() {
		if err != nil {
			t.Fatal(err)
		}
		if seen++; seen == 10 {
			break
		}
	}
	if r := s.Report(); r.Messages != 10 || r.Kinds[core.MessageText] != 10 || len(r.Warnings) != 1 {
		t.Errorf("report after a break at 10: %d messages, kinds %v, warnings %v", r.Messages, r.Kinds, r.Warnings)
	}
	for _, err := range s.Messages() {
		if !errors.Is(err, ErrStreamUsed) {
			t.Errorf("second range: %v", err)
		}
	}
}

func TestParseLineEndingsAreEquivalent(t *testing.T) {
	lf := "01/02/24, 10:00 - Ann: one\ntwo\n\n01/02/24, 10:01 - Ben:\nthree"
	var want []core.Message
	for i, in := range []string{lf, strings.ReplaceAll(lf, "\n", "\r\n"), strings.ReplaceAll(lf, "\n", "\r")} {
		msgs, _, err := parseAll(t, Parse(strings.NewReader(in), Options{}))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			want = msgs
			if len(msgs) != 2 || msgs[0].Text != "one\ntwo" || msgs[1].Text != "three" {
				t.Fatalf("LF: %+v", msgs)
			}
			continue
		}
		if !reflect.DeepEqual(msgs, want) {
			t.Errorf("ending %d: %+v", i, msgs)
		}
	}
}

// TestLineReaderAcrossBufferBoundaries feeds one byte at a time, so that
// every CR, LF and CRLF straddles a read.
func TestLineReaderAcrossBufferBoundaries(t *testing.T) {
	in := "a\r\nbb\rccc\n\r\n" + strings.Repeat("z", 20) + "\nlast"
	lr := newLineReader(&oneByte{s: in}, 8)
	var got []string
	for {
		line, cut, ok := lr.next()
		if !ok {
			break
		}
		s := string(line)
		if cut {
			s += "…"
		}
		got = append(got, s)
	}
	want := "a|bb|ccc||zzzzzzzz…|last"
	if strings.Join(got, "|") != want {
		t.Errorf("got %q, want %q", strings.Join(got, "|"), want)
	}
}

type oneByte struct{ s string }

func (o *oneByte) Read(p []byte) (int, error) {
	if o.s == "" {
		return 0, io.EOF
	}
	p[0] = o.s[0]
	o.s = o.s[1:]
	return 1, nil
}

// TestParseRepairKeepsTextWithinTheLimit: repair lengthens text (an invalid
// byte or a NUL becomes the three bytes of U+FFFD), so a body the parser
// kept within MaxMessageBytes, or cut there, must be cut again after repair,
// and counted as cut once. Carriage returns split such a body into lines
// short enough to escape the line limit (the two fuzz findings).
func TestParseRepairKeepsTextWithinTheLimit(t *testing.T) {
	const limit = 64
	latin1 := strings.Repeat("caf\xe9\r", 10) // 50 bytes in 10 lines; 70 once repaired
	cases := []struct {
		name, in string
		format   Format
		cut      int
	}{
		{"whatsapp body under the limit that repair lengthens",
			"01/02/24, 10:00 - Ann: " + latin1 + "\xe9\xe9\xe9\xe9\n01/02/24, 10:01 - Ben: ok\n", FormatWhatsApp, 1},
		{"whatsapp body the parser cut, then repaired",
			"01/02/24, 10:00 - Ann: " + strings.Repeat("\xe9\r", 80) + "\n01/02/24, 10:01 - Ben: ok\n", FormatWhatsApp, 1},
		{"whatsapp body with NULs",
			"01/02/24, 10:00 - Ann: " + strings.Repeat("\x00", 40) + "\n01/02/24, 10:01 - Ben: ok\n", FormatWhatsApp, 1},
		{"discord content of NULs", `{"guild": {"name": "g"}, "channel": {"name": "c"}, "messages": [{"id": "1", ` +
			`"timestamp": "2024-01-01T00:00:00Z", "author": {"id": "5", "name": "kai"}, "content": "` +
			strings.Repeat(`\u0000`, 40) + `"}]}`, FormatDiscord, 1},
		{"text that repair keeps within the limit", "01/02/24, 10:00 - Ann: caf\xe9\n", FormatWhatsApp, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msgs, rep, err := parseAll(t, Parse(strings.NewReader(c.in), Options{Format: c.format, Limits: Limits{MaxMessageBytes: limit}}))
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				if len(m.Text) > limit || !utf8.ValidString(m.Text) {
					t.Errorf("message %d: %d bytes, valid %v", m.Seq, len(m.Text), utf8.ValidString(m.Text))
				}
			}
			if rep.TruncatedMessages != c.cut || rep.RepairedUTF8+rep.RepairedNUL == 0 {
				t.Errorf("%d messages cut, want %d; repaired %d, %d", rep.TruncatedMessages, c.cut, rep.RepairedUTF8, rep.RepairedNUL)
			}
		})
	}
}
