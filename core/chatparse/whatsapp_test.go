package chatparse

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
)

// TestParseWhatsAppFixtures parses every form of WhatsApp export the
// project's fixtures cover and compares each with its .want.json.
func TestParseWhatsAppFixtures(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file string
		opts Options
	}{
		{"android_dmy_24h_en_crlf.txt", Options{}},
		{"ios_mdy_12h_nnbsp_en.txt", Options{}},
		{"android_es_ampm_cr.txt", Options{}},
		{"ios_old_de_dotted.txt", Options{}},
		{"android_de_dotted_time.txt", Options{Location: berlin}},
		{"ios_fr_24h.txt", Options{}},
		{"android_pt.txt", Options{}},
		{"cjk_zh_ymd.txt", Options{}},
		{"cjk_ja_ios.txt", Options{}},
		{"cjk_ko_spaced.txt", Options{}},
		{"dash_date_preamble.txt", Options{}},
		{"en_lower_ampm.txt", Options{}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			checkGolden(t, filepath.Join("testdata", "whatsapp", c.file), "", c.opts)
		})
	}
}

// TestParseWhatsAppNoticeOrWords covers lines whose kind rests on the
// notice heuristics: a participant quoting notice wording stays a participant.
func TestParseWhatsAppNoticeOrWords(t *testing.T) {
	const lrm = "\u200e"
	const ben = "01/02/24, 10:09 - Ben: ok\n"
	cases := []struct {
		name, in   string
		wantKinds  string // kinds of the messages, in order
		wantAuthor string // author of the last message
	}{
		{"android participant mentions encryption",
			"01/02/24, 10:00 - Ann: are our messages end-to-end encrypted?\n01/02/24, 10:01 - Ann: I added Ben\n",
			"text text", "Ann"},
		{"ios notice signed by the group, then the group name's wording without a mark",
			"[01/02/24, 10:00:00] G: " + lrm + "Messages and calls are end-to-end encrypted.\n[01/02/24, 10:01:00] Ann: Ben left early today\n",
			"system text", "Ann"},
		{"ios notices recognised by wording where marks were stripped",
			"[01/02/24, 10:00:00] G: Messages and calls are end-to-end encrypted.\n[01/02/24, 10:01:00] G: Ann added Ben\n[01/02/24, 10:02:00] G: hello from a person named G\n",
			"system system text", "G"},
		{"android subject with a colon in quotes",
			"01/02/24, 10:00 - Ann changed the subject from \"a\" to \"b: c\"\n" + ben,
			"system text", "Ben"},
		{"an author that is too long to be a name",
			"01/02/24, 10:00 - " + strings.Repeat("word ", 60) + ": x\n" + ben,
			"system text", "Ben"},
		{"android notices quoting a name with a colon",
			"01/02/24, 10:00 - Ann created group \"Trip: 2024\"\n" +
				"01/02/24, 10:01 - Ann changed the group name from \"Trip: 2024\" to \"Trip\"\n" +
				"01/02/24, 10:02 - Ana cambió el nombre del grupo de “a: b” a “c”\n" +
				"01/02/24, 10:03 - Ann hat die Gruppe „Reise: 2024“ erstellt\n" +
				"01/02/24, 10:04 - Ann a créé le groupe « Voyage: 2024 »\n" + ben,
			"system system system system system text", "Ben"},
		{"ios one-to-one with marks stripped: the contact's words stay words",
			"[15/01/2024, 10:00:00] Bob: Messages and calls are end-to-end encrypted. No one outside of this chat can read them.\n" +
				"[15/01/2024, 10:01:00] Bob: I left my keys at home\n[15/01/2024, 10:02:00] Ann: ok\n" +
				"[15/01/2024, 10:03:00] Bob: Das wurde entfernt\n[15/01/2024, 10:04:00] Bob: Ele saiu cedo\n" +
				"[15/01/2024, 10:05:00] Bob: salió bien\n[15/01/2024, 10:06:00] Bob: he left\n" +
				"[15/01/2024, 10:07:00] Bob: Ann left\n[15/01/2024, 10:08:00] Bob: hi",
			"system text text text text text text system text", "Bob"},
		{"ios group name with a colon signs notices",
			"[01/02/24, 10:00:00] Trip: 2024: " + lrm + "Messages and calls are end-to-end encrypted.\n" +
				"[01/02/24, 10:01:00] Ann: hi\n[01/02/24, 10:02:00] Trip: 2024: " + lrm + "Ann added Ben\n" +
				"[01/02/24, 10:03:00] Ann: note: " + lrm + "x\n",
			"system text system text", "Ann"},
		{"a continuation that looks like a header of another shape",
			"[01/02/24, 10:00:00] Ann: quoting an android chat:\n01/02/24, 10:00 - Ben: hi\n",
			"text", "Ann"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msgs, _, err := parseAll(t, Parse(strings.NewReader(c.in), Options{}))
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, m := range msgs {
				kinds = append(kinds, m.Kind.String())
			}
			last := msgs[len(msgs)-1]
			if strings.Join(kinds, " ") != c.wantKinds || last.Author != c.wantAuthor {
				t.Errorf("kinds %v, last author %q; want %s, %q", kinds, last.Author, c.wantKinds, c.wantAuthor)
			}
		})
	}
}

// TestParseWhatsAppIOSDocumentPlaceholder: iOS names the document before
// "document omitted", with its page count between marks.
func TestParseWhatsAppIOSDocumentPlaceholder(t *testing.T) {
	const lrm = "\u200e"
	in := "[15/01/2024, 10:00:00] Ann: " + lrm + "Report.pdf • " + lrm + "3 pages " + lrm + "document omitted\n" +
		"[15/01/2024, 10:01:00] Ann: " + lrm + "Notes.docx " + lrm + "documento omitido\n" +
		"[15/01/2024, 10:02:00] Ann: " + lrm + "video note omitted\n"
	msgs, _, err := parseAll(t, Parse(strings.NewReader(in), Options{}))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ attachment, media string }{{"Report.pdf", "document"}, {"Notes.docx", "document"}, {"", "video"}}
	if len(msgs) != len(want) {
		t.Fatalf("%d messages: %+v", len(msgs), msgs)
	}
	for i, w := range want {
		m := msgs[i]
		if m.Kind != core.MessageMedia || m.Attachment != w.attachment || m.MediaType != w.media || m.Text != "" || m.Author != "Ann" {
			t.Errorf("message %d: %s %q %q %q by %q", i+1, m.Kind, m.Attachment, m.MediaType, m.Text, m.Author)
		}
	}
}
