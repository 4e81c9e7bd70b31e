package chatparse

import (
	"strings"
	"testing"
	"unicode"

	"github.com/chatlens/chatlens/core"
)

// parseOne parses a one-message WhatsApp export.
func parseOne(t *testing.T, in string) core.Message {
	t.Helper()
	msgs, _, err := parseAll(t, Parse(strings.NewReader(in), Options{Format: FormatWhatsApp}))
	if err != nil || len(msgs) == 0 {
		t.Fatalf("%q: %d messages, %v", in, len(msgs), err)
	}
	return msgs[len(msgs)-1]
}

// TestWhatsAppPlaceholderRows reads every row of waPlaceholders as Android
// and as iOS write it (the latter after U+200E), in the table's case, in
// lower and in upper case (Turkish upper case too: "BU MESAJ SİLİNDİ"),
// and with a trailing period.
func TestWhatsAppPlaceholderRows(t *testing.T) {
	for _, header := range []string{"15/01/2024, 10:00 - Ann: ", "[15/01/2024, 10:00:00] Ann: \u200e"} {
		var in strings.Builder
		var want []*waPlaceholder
		for i := range waPlaceholders {
			p := &waPlaceholders[i]
			for _, text := range []string{p.text, strings.ToLower(p.text), strings.ToUpper(p.text),
				strings.ToUpperSpecial(unicode.TurkishCase, p.text), p.text + "."} {
				in.WriteString(header + text + "\n")
				want = append(want, p)
			}
		}
		msgs, _, err := parseAll(t, Parse(strings.NewReader(in.String()), Options{Format: FormatWhatsApp}))
		if err != nil || len(msgs) != len(want) {
			t.Fatalf("%d messages of %d, %v", len(msgs), len(want), err)
		}
		for i, m := range msgs {
			if p := want[i]; m.Kind != p.kind || m.MediaType != p.media || m.Author != "Ann" {
				t.Errorf("%s %q (line %d): %s %q by %q, want %s %q", p.lang, p.text, i+1, m.Kind, m.MediaType, m.Author, p.kind, p.media)
			}
		}
	}
}

func TestWhatsAppEditedAndPrefixRows(t *testing.T) {
	for _, mk := range waEditedMarkers {
		for _, marker := range []string{mk.text, strings.ToLower(mk.text)} {
			m := parseOne(t, "15/01/2024, 10:00 - Ann: hello "+marker+"\n")
			if !m.Edited || m.Text != "hello" {
				t.Errorf("%s %q: edited %v, text %q", mk.lang, marker, m.Edited, m.Text)
			}
		}
	}
	for _, p := range waBodyPrefixes {
		body := "Pizza?\nOPTION: yes (1 vote)"
		if p.kind == core.MessageLocation {
			body = "https://maps.google.com/?q=52.52,13.405"
		}
		m := parseOne(t, "15/01/2024, 10:00 - Ann: "+p.prefix+body+"\n")
		if m.Kind != p.kind || m.Text != body {
			t.Errorf("%s %q: %s %q", p.lang, p.prefix, m.Kind, m.Text)
		}
		if p.kind == core.MessageLocation && (m.Geo == nil || *m.Geo != core.GeoPoint{Lat: 52.52, Lon: 13.405}) {
			t.Errorf("%s %q: point %v", p.lang, p.prefix, m.Geo)
		}
	}
	for _, f := range waAttachmentForms {
		name := "00000012-PHOTO-2024-01-15-09-05-00.jpg"
		m := parseOne(t, "15/01/2024, 10:00 - Ann: "+f.prefix+name+f.suffix+"\ncaption\n")
		if m.Kind != core.MessageMedia || m.Attachment != name || m.MediaType != "image" || m.Text != "caption" ||
			len(m.Attachments) != 1 || m.Attachments[0].Name != name {
			t.Errorf("%s %q…%q: %s %q %q %q %+v", f.lang, f.prefix, f.suffix, m.Kind, m.Attachment, m.MediaType, m.Text, m.Attachments)
		}
	}
}

type waShapeCase struct {
	body       string
	kind       core.MessageKind
	text       string
	attachment string
	geo        *core.GeoPoint
}

// waShapeCases are also FuzzWhatsApp's seeds.
var waShapeCases = []waShapeCase{
	// Files WhatsApp named, after a label or before words the tables lack (Polish).
	{"<załączony: 00000012-PHOTO-2024-01-15-09-05-00.jpg>", core.MessageMedia, "", "00000012-PHOTO-2024-01-15-09-05-00.jpg", nil},
	{"<załączony: 00000004-Ann Lee.vcf>", core.MessageMedia, "", "00000004-Ann Lee.vcf", nil},
	{"IMG-20240115-WA0001.jpg (plik załączony)", core.MessageMedia, "", "IMG-20240115-WA0001.jpg", nil},
	{"<see: notes.txt>", core.MessageText, "<see: notes.txt>", "", nil},
	{"holiday.jpg (the one from Rome)", core.MessageText, "holiday.jpg (the one from Rome)", "", nil},
	// A label and a map link: a location, whose text keeps the label.
	{"Lokalizacja: https://maps.google.com/?q=52.2297,21.0122", core.MessageLocation,
		"Lokalizacja: https://maps.google.com/?q=52.2297,21.0122", "", &core.GeoPoint{Lat: 52.2297, Lon: 21.0122}},
	{"Café Central: https://www.google.com/maps/place/@48.2104,16.3655,17z", core.MessageLocation,
		"Café Central: https://www.google.com/maps/place/@48.2104,16.3655,17z", "", &core.GeoPoint{Lat: 48.2104, Lon: 16.3655}},
	{"location: https://maps.google.com/?q=91,0", core.MessageLocation, "https://maps.google.com/?q=91,0", "", nil},
	{"https://maps.google.com/?q=1,2", core.MessageText, "https://maps.google.com/?q=1,2", "", nil},
	{"look: https://example.com/?q=1,2", core.MessageText, "look: https://example.com/?q=1,2", "", nil},
	{"location: https://maps.google.com/?q=NaN,Inf", core.MessageLocation, "https://maps.google.com/?q=NaN,Inf", "", nil},
	// A poll's shape (Polish), and lists that are not polls.
	{"ANKIETA:\nPizza?\nOPCJA: tak (2 głosy)\nOPCJA: nie (0 głosów)", core.MessagePoll,
		"Pizza?\nOPCJA: tak (2 głosy)\nOPCJA: nie (0 głosów)", "", nil},
	{"投票：\n晚饭？\n选项：面 (1 票)", core.MessagePoll, "晚饭？\n选项：面 (1 票)", "", nil},
	{"NOTE: buy milk\nITEM: eggs", core.MessageText, "NOTE: buy milk\nITEM: eggs", "", nil},
	{"Todo: call mum\nDONE: shop (2 items)", core.MessageText, "Todo: call mum\nDONE: shop (2 items)", "", nil},
	// Calls with a tail, in the table's languages.
	{"Missed voice call, Tap to call back", core.MessageCall, "", "", nil},
	{"不在着信、タップしてかけ直す", core.MessageCall, "", "", nil},
}

// TestWhatsAppBodyShapes: what the tables lack is read from its shape, in
// any language; what only looks alike stays text.
func TestWhatsAppBodyShapes(t *testing.T) {
	cases := waShapeCases
	for _, c := range cases {
		m := parseOne(t, "15/01/2024, 10:00 - Ann: "+c.body+"\n")
		geoOK := (m.Geo == nil) == (c.geo == nil) && (c.geo == nil || *m.Geo == *c.geo)
		if m.Kind != c.kind || m.Text != c.text || m.Attachment != c.attachment || !geoOK {
			t.Errorf("%q: %s %q %q %v; want %s %q %q %v", c.body, m.Kind, m.Text, m.Attachment, m.Geo, c.kind, c.text, c.attachment, c.geo)
		}
	}
}
