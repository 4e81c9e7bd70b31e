package chatparse

import (
	"bytes"
	"fmt"
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
		if len(m.Reactions) > maxListed || len(m.Attachments) > 2*maxListed || (m.Event != nil && len(m.Event.Members) > maxListed) {
			t.Errorf("message %d keeps %d reactions, %d attachments: lists past their caps", m.Seq, len(m.Reactions), len(m.Attachments))
		}
		for _, r := range m.Reactions {
			if len(r.By) > maxListed {
				t.Errorf("message %d: a reaction lists %d reactors", m.Seq, len(r.By))
			}
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
		// Headers that share a day's first bytes, and near misses of
		// the date the parser remembers (headerDates).
		"1/2/24, 3:04 PM - A: x\n1/2/24, 3:05 PM - B: y\n1/2/245, 3:05 PM - B: z\n1/2/24 3:06 PM - A: w\n1/2/2, 3:07 PM - A: v",
	)
	for _, seed := range waWordingSeeds() {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, Parse(bytes.NewReader(data), Options{Format: FormatWhatsApp, Limits: fuzzLimits}), fuzzLimits.MaxMessageBytes)
	})
}

// waWordingSeeds are exports holding every row of the wording tables and
// every case of the heuristics' tests, so that the fuzzer starts from each
// path they open: placeholders, edited marks, files, locations and polls
// after a header of each form (iOS after U+200E, Android), notice phrases
// and templates signed by a group name with and without marks, day periods,
// dates in words, and the signer, shape and clock cases.
func waWordingSeeds() []string {
	var seeds []string
	bodies := func(texts []string) {
		var ios, android strings.Builder
		for i, text := range texts {
			fmt.Fprintf(&ios, "[15/01/2024, 10:%02d:00] Ann: \u200e%s\n", i%60, text)
			fmt.Fprintf(&android, "15/01/2024, 10:%02d - Ann: %s\n", i%60, text)
		}
		seeds = append(seeds, ios.String(), android.String())
	}
	var texts []string
	for _, p := range waPlaceholders {
		texts = append(texts, p.text, strings.ToUpper(p.text)+".")
	}
	for _, mk := range waEditedMarkers {
		texts = append(texts, "edited "+mk.text)
	}
	for _, f := range waAttachmentForms {
		texts = append(texts, f.prefix+"00000012-PHOTO-2024-01-15-09-05-00.jpg"+f.suffix)
	}
	for _, p := range waBodyPrefixes {
		texts = append(texts, p.prefix+"https://maps.google.com/?q=52.5,13.4", p.prefix+"Q?\nOPTION: a (1 vote)")
	}
	bodies(texts)
	var notices []string
	for _, list := range [][]string{waSystemPhrases, waSystemSubjects, waEncryptionPhrases} {
		notices = append(notices, list...)
	}
	for _, list := range [][]string{waGroupNoticeTemplates, waPairNoticeTemplates} {
		for _, tpl := range list {
			notices = append(notices, strings.NewReplacer("*", "Ann", "@", "Ben").Replace(tpl))
		}
	}
	var marked, stripped strings.Builder
	for i, n := range notices {
		fmt.Fprintf(&marked, "[15/01/2024, 10:%02d:00] Trip: \u200e%s\n", i%60, n)
		fmt.Fprintf(&stripped, "[15/01/2024, 10:%02d:00] Trip: %s\n", i%60, n)
		if i%7 == 0 {
			fmt.Fprintf(&stripped, "[15/01/2024, 10:%02d:30] Ann: hi\n", i%60)
		}
	}
	seeds = append(seeds, marked.String(), stripped.String())
	var clocks strings.Builder
	for _, d := range waDayPeriods[periodBase:] {
		if d.before {
			fmt.Fprintf(&clocks, "2024/1/15 %s0:05 - Ann: a\n2024/1/15 %s 12:05 - Ann: b\n", d.text, d.text)
		} else {
			fmt.Fprintf(&clocks, "2024/1/15 0:05 %s - Ann: a\n", d.text)
		}
	}
	for _, w := range waDateWords {
		fmt.Fprintf(&clocks, "2024%s 1%s 15%s 9:05 - Ann: a\n", w[0], w[1], w[2])
	}
	seeds = append(seeds, clocks.String())
	for _, c := range waSignerCases {
		seeds = append(seeds, c.in)
	}
	for _, c := range waShapeCases {
		seeds = append(seeds, "15/01/2024, 10:00 - Ann: "+c.body+"\n")
	}
	for _, c := range waClockCases {
		seeds = append(seeds, c.line+"\n")
	}
	return seeds
}

func FuzzTelegram(f *testing.F) {
	addSeeds(f, "telegram",
		`{}`, `[]`, `{"messages": 5}`, `{"messages": [[], {}, null, "x"]}`,
		`{"chats": {"list": [{"messages": [], "name": "a"}]}}`,
		`{"messages": [{"type": "message", "date_unixtime": "-99999999999999", "text": [{"text": [1]}]}]}`,
		`{"messages": [{"type": "service", "date": "2023-01-01T00:00:00", "action": "phone_call"}]}`,
		`{"messages": [{"type": "message", "date_unixtime": "-62135596800", "date": "0001-01-01T00:00:00", "from": "a", "text": "year one"}]}`,
		`{"messages": [{"type": "message", "date_unixtime": "1", "from": "a", "reactions": [{"type": "paid"}, {"count": -5, "emoji": ""}, `+
			`{"type": "emoji", "emoji": "x", "count": "9999999999999999999999", "recent": [{"from": null}, 5]}], `+
			`"location_information": {"latitude": "NaN", "longitude": 1e999}, "place_name": 7}]}`,
		`{"messages": [{"type": "service", "date_unixtime": "1", "action": "phone_call", "actor": null, "duration_seconds": -1, `+
			`"discard_reason": "missed", "members": [null, [], "a"]}, {"type": "service", "date_unixtime": "2", "action": "group_call", "duration": 1e20}]}`,
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
		`{"messages": [{"id": "1", "type": "Call", "timestamp": "2024-01-01T00:00:00Z", "callEndedTimestamp": "2023-01-01T00:00:00Z", "author": {"id": "1"}, `+
			`"attachments": [{"fileName": null, "fileSizeBytes": -3}, 5], "stickers": [{}, {"name": "s"}], `+
			`"reactions": [{"emoji": {"name": ""}, "count": 0}, {"emoji": null, "users": [{"nickname": "\u0000"}]}, {"emoji": {"name": "e"}, "count": 2, "users": [1, {}]}]}]}`,
		`{"messages": [{"id": "2", "type": "GuildMemberJoin", "timestamp": "2024-01-01T00:00:00Z", "content": "", "author": {"name": "\u2068kai\u2069"}}]}`,
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
	f.Add(buildZip(f, zipEntry{"_chat.txt", []byte(waSignerCases[0].in)}, zipEntry{"00000012-PHOTO-2024-01-15-09-05-00.jpg", []byte("x")}))
	f.Add(rawZipDirectory(20, 4, 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, ParseZip(bytes.NewReader(data), int64(len(data)), Options{Limits: fuzzLimits}), fuzzLimits.MaxMessageBytes)
	})
}
