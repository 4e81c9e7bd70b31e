package chatparse

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzLimits keep every buffer small, so a fuzzer finds limit handling
// bugs with short inputs.
var fuzzLimits = Limits{MaxLineBytes: 256, MaxMessageBytes: 1024, MaxDateOrderLookahead: 4096,
	MaxJSONTokenBytes: 512, MaxJSONDepth: 16, MaxZipEntries: 16, MaxZipChatBytes: 64 << 10, MaxParticipants: 8}

// addSeeds adds every fixture under testdata/dir, and extra, to f's corpus;
// plain go test runs them all.
func addSeeds(f *testing.F, dir string, extra ...string) {
	paths, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		if filepath.Ext(p) == ".txt" || (filepath.Ext(p) == ".json" && !bytes.HasSuffix([]byte(p), []byte(".want.json"))) {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	for _, e := range extra {
		f.Add([]byte(e))
	}
}

// fuzzParse parses data and checks what must hold for any input: no panic,
// valid messages in sequence, text within the limit, an error that is one of
// the documented ones or wraps a reading or syntax error.
func fuzzParse(t *testing.T, s *Stream, textCap int) {
	msgs, rep, err := parseAll(t, s)
	if rep.Messages != len(msgs) {
		t.Errorf("report counts %d messages, %d yielded", rep.Messages, len(msgs))
	}
	for _, m := range msgs {
		if textCap > 0 && len(m.Text) > textCap {
			t.Errorf("message %d holds %d bytes, cap %d", m.Seq, len(m.Text), textCap)
		}
		// parseAll ran Validate, which also refuses these; said here as the
		// invariant storage relies on.
		for _, s := range []string{m.Author, m.AuthorID, m.Text, m.Attachment, m.MediaType, m.ReplyTo, m.PlatformID} {
			if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
				t.Errorf("message %d holds invalid UTF-8 or NUL: %q", m.Seq, s)
			}
		}
	}
	for _, s := range append([]string{rep.Chat}, append(rep.Participants, rep.Attachments...)...) {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 || len(s) > maxNameBytes {
			t.Errorf("report name invalid, with NUL or longer than %d bytes: %q", maxNameBytes, s)
		}
	}
	if err == nil && len(msgs) == 0 {
		t.Error("no messages and no error")
	}
	if len(rep.Participants) > fuzzLimits.MaxParticipants || len(rep.FirstUnparsedLines) > maxUnparsedListed || len(rep.Warnings) > maxWarnings {
		t.Errorf("report lists grew past their caps: %d participants, %d lines, %d warnings",
			len(rep.Participants), len(rep.FirstUnparsedLines), len(rep.Warnings))
	}
}

func FuzzWhatsApp(f *testing.F) {
	addSeeds(f, "whatsapp",
		"",
		"\r\r\n\n\r",
		"[1/2/24, 3:04\u202fPM] A: \u200e",
		"1/2/24, 0:0 - :",
		"99/99/99, 99:99 a. m. - x: y",
		"2024/1/1 下午13:61 - a: b\n13:00 continuation",
		"\ufeff\u200e[01.02.24 10.00] g: \u200eA added B\n[01.02.24 10.01] g: \u200ex",
		"01/02/24, 10:00 - A: <attached: >\n01/02/24, 10:00 - A:  (file attached)",
		"01/02/2024, 10:00 - 01/02/2024, 10:00 - A: nested",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, Parse(bytes.NewReader(data), Options{Format: FormatWhatsApp, Limits: fuzzLimits}), fuzzLimits.MaxMessageBytes)
	})
}

func FuzzTelegram(f *testing.F) {
	addSeeds(f, "telegram",
		`{}`, `[]`, `{"messages": 5}`, `{"messages": [[], {}, null, "x"]}`,
		`{"chats": {"list": [{"messages": [], "name": "a"}]}}`,
		`{"messages": [{"type": "message", "date_unixtime": "-99999999999999", "text": [{"text": [1]}]}]}`,
		`{"messages": [{"type": "service", "date": "2023-01-01T00:00:00", "action": "phone_call"}]}`,
		`{"messages": [{"type": "message", "date_unixtime": "-62135596800", "date": "0001-01-01T00:00:00", "from": "a", "text": "year one"}]}`,
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, Parse(bytes.NewReader(data), Options{Format: FormatTelegram, Chat: "a", Limits: fuzzLimits}), 2*fuzzLimits.MaxMessageBytes)
	})
}

func FuzzDiscord(f *testing.F) {
	addSeeds(f, "discord",
		`{}`, `{"messages": [{"id": "1", "timestamp": "2024-01-01T00:00:00Z"}, {"id": "1", "timestamp": "2024-01-01T00:00:00Z"}]}`,
		`{"messages": [{"type": "Call", "timestamp": "2024-01-01T00:00:00+14:00", "author": null}]}`,
		`{"guild": [], "channel": "x", "messages": {}}`,
		`{"messages": [{"id": "1", "timestamp": "0001-01-01T00:00:00Z", "content": "year one"}, {"id": "2", "timestamp": "0001-01-01T01:00:00+02:00"}]}`,
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, Parse(bytes.NewReader(data), Options{Format: FormatDiscord, Limits: fuzzLimits}), fuzzLimits.MaxMessageBytes)
	})
}

// FuzzDetect runs format detection and whichever parser it picks, zip
// included (the input is seekable).
func FuzzDetect(f *testing.F) {
	addSeeds(f, "whatsapp")
	addSeeds(f, "telegram")
	addSeeds(f, "discord", "PK\x03\x04", "PK\x05\x06"+string(make([]byte, 18)))
	f.Add(buildZip(f, zipEntry{"_chat.txt", []byte("01/02/24, 10:00 - Ann: hi\n")}, zipEntry{"IMG-1.jpg", []byte("x")}))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, Parse(bytes.NewReader(data), Options{Limits: fuzzLimits}), 0)
	})
}

// FuzzZip feeds zip archives: the seeds are small valid exports, which the
// fuzzer mutates into broken directories, lying sizes and counts.
func FuzzZip(f *testing.F) {
	chat := []byte("01/02/24, 10:00 - Ann: hi\n01/02/24, 10:01 - Ben: <Media omitted>\n")
	f.Add(buildZip(f, zipEntry{"_chat.txt", chat}, zipEntry{"IMG-1.jpg", []byte("x")}))
	f.Add(buildZip(f, zipEntry{"WhatsApp Chat with Ann.txt", chat}))
	f.Add(buildZip(f, zipEntry{"notes.txt", []byte("no chat")}, zipEntry{"dir/", nil}))
	f.Add(rawZipDirectory(20, 4, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, ParseZip(bytes.NewReader(data), int64(len(data)), Options{Limits: fuzzLimits}), fuzzLimits.MaxMessageBytes)
	})
}
