package chatparse

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// jsonStreamSeeds are inputs at the edges of the grammar and of the string
// decoding: escapes, surrogates paired and lone, invalid UTF-8, numbers of
// every shape, literals cut short, misplaced delimiters.
var jsonStreamSeeds = []string{
	`{"messages": [{"id": 1, "text": ["a", {"type": "bold", "text": "b"}], "x": null, "y": true, "z": false}]}`,
	`"\ud83d\ude00 \ud83d \ude00 \ud83dx \u00e9\n\t\"\\\/\b\f\r"`,
	"\"\xff\xfe a \xed\xa0\x80 \xe2\x82\"",
	"\"\\ud83d\\u0041\"",
	`[0, -0, 1.5, -2e10, 3E+2, 4e-3, 01, 1.e5, -, 2]`,
	`[1x]`, `[1 2]`, `{"a" "b"}`, `{"a":1,}`, `[,1]`, `{1:2}`, `{"a":1 "b":2}`,
	`tru`, `nul`, `nullx`, `[true,false,null]`, `"unterminated`, "\"ctl\x01\"",
	`"\u12g4"`, `"\x"`, `{"a":{"b":[[],[{}]]}}`, ` { } `, `1 2 "three"`, `}`, `]`, `:`, `,`,
}

// TestJSONStreamTokensAreEncodingJSONs: jsonStream reads the tokens
// encoding/json's Decoder.Token reads, decoded alike, and fails where it
// fails.
func TestJSONStreamTokensAreEncodingJSONs(t *testing.T) {
	for _, s := range jsonStreamSeeds {
		checkJSONStreamTokens(t, []byte(s))
	}
}

func FuzzJSONStreamTokens(f *testing.F) {
	addSeeds(f, "telegram")
	addSeeds(f, "discord")
	for _, s := range jsonStreamSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkJSONStreamTokens(t, data)
	})
}

func checkJSONStreamTokens(t *testing.T, data []byte) {
	t.Helper()
	want := json.NewDecoder(bytes.NewReader(data))
	want.UseNumber()
	lim := Limits{MaxJSONTokenBytes: 1 << 30, MaxJSONDepth: 1 << 30}
	got := newJSONStream(bytes.NewReader(data), lim)
	for i := 0; ; i++ {
		wtok, werr := want.Token()
		gtok, gerr := got.token()
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("%q: token %d: encoding/json %v, %v; jsonStream %v, %v", data, i, wtok, werr, gtok, gerr)
		}
		if werr != nil {
			return
		}
		if !reflect.DeepEqual(wtok, gtok) {
			t.Fatalf("%q: token %d: encoding/json %#v, jsonStream %#v", data, i, wtok, gtok)
		}
		if w, g := want.More(), got.more(); w != g {
			t.Fatalf("%q: after token %d: More %v, more %v", data, i, w, g)
		}
	}
}

// TestJSONStreamKeepsFewAllocations: a message costs the values it keeps,
// not an allocation per token (encoding/json's Decoder.Token made some 140
// per message, and with them a garbage collection every few milliseconds).
func TestJSONStreamKeepsFewAllocations(t *testing.T) {
	msg := `{"id": 7, "type": "message", "date": "2021-03-01T08:00:19", "date_unixtime": "1614585619",
 "from": "Zoë", "from_id": "user1002", "reply_to_message_id": 1, "text": "be 🎉 it",
 "text_entities": [{"type": "plain", "text": "be 🎉 it"}]}`
	var b strings.Builder
	b.WriteString(`{"name": "x", "type": "private_group", "id": 1, "messages": [`)
	const n = 2000
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(msg)
	}
	b.WriteString("]}")
	in := b.String()
	allocs := testing.AllocsPerRun(3, func() {
		s := Parse(strings.NewReader(in), Options{Format: FormatTelegram})
		for _, err := range s.Messages() {
			if err != nil {
				t.Fatal(err)
			}
		}
	})
	if per := allocs / n; per > 20 {
		t.Errorf("%.1f allocations per message, want at most 20", per)
	}
}
