package chatparse

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
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
