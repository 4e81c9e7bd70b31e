package chatparse

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseTelegramAndDiscordFixtures(t *testing.T) {
	cases := []struct {
		name, file string
		opts       Options
	}{
		{"telegram single chat", "telegram/single_chat.json", Options{}},
		{"telegram full export by name", "telegram/full_account.json", Options{Chat: "Family"}},
		{"telegram full export by id", "telegram/full_account.json", Options{Chat: "111"}},
		{"discord", "discord/channel.json", Options{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			checkGolden(t, filepath.Join("testdata", c.file), c.opts.Chat, c.opts)
		})
	}
}

func TestParseTelegramFullExportWithoutChoiceListsChats(t *testing.T) {
	for _, want := range []string{"", "Nobody"} {
		f, err := os.Open("testdata/telegram/full_account.json")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, _, err = parseAll(t, Parse(f, Options{Chat: want}))
		var nf *ChatNotFoundError
		if !errors.As(err, &nf) || !errors.Is(err, ErrChatNotFound) {
			t.Fatalf("chat %q: got %v, want a ChatNotFoundError", want, err)
		}
		if got := strings.Join(nf.Names, ","); got != "Pavel,Family,Old Club" {
			t.Errorf("chat %q: names %q", want, got)
		}
		if !strings.Contains(err.Error(), `"Family"`) {
			t.Errorf("error does not list the chats: %v", err)
		}
	}
}

// TestParseJSONWithBOM: a leading U+FEFF is detected past and skipped, also
// when the format is given.
func TestParseJSONWithBOM(t *testing.T) {
	for _, file := range []string{"telegram/single_chat.json", "discord/channel.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := parseAll(t, Parse(bytes.NewReader(data), Options{}))
		if err != nil {
			t.Fatal(err)
		}
		bom := append([]byte("\uFEFF"), data...)
		format := Detect(bom)
		for _, opts := range []Options{{}, {Format: format}} {
			got, rep, err := parseAll(t, Parse(bytes.NewReader(bom), opts))
			if err != nil || rep.Format != format || !reflect.DeepEqual(got, want) {
				t.Errorf("%s with a BOM, format %v: %d messages (want %d), %v", file, opts.Format, len(got), len(want), err)
			}
		}
	}
}

// TestParseParticipantsByAuthorID: where the format has author ids, a
// nickname change is one participant and two users of one name are two.
func TestParseParticipantsByAuthorID(t *testing.T) {
	cases := []struct {
		name, in string
		want     string
	}{
		{"discord nickname changes", `{"guild": {"name": "g"}, "channel": {"name": "c"}, "messages": [` +
			`{"id": "1", "timestamp": "2024-01-01T00:00:00Z", "author": {"id": "5", "name": "kai"}, "content": "a"},` +
			`{"id": "2", "timestamp": "2024-01-01T00:01:00Z", "author": {"id": "5", "name": "kai", "nickname": "Kai"}, "content": "b"},` +
			`{"id": "3", "timestamp": "2024-01-01T00:02:00Z", "author": {"id": "6", "name": "lea"}, "content": "c"}]}`,
			"kai,lea"},
		{"telegram users of one name", `{"name": "c", "type": "private_group", "messages": [` +
			`{"id": 1, "type": "message", "date_unixtime": "1700000000", "from": "Alex", "from_id": "user1", "text": "a"},` +
			`{"id": 2, "type": "message", "date_unixtime": "1700000001", "from": "Alex", "from_id": "user2", "text": "b"}]}`,
			"Alex,Alex"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, rep, err := parseAll(t, Parse(strings.NewReader(c.in), Options{}))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(rep.Participants, ","); got != c.want {
				t.Errorf("participants %q, want %q", got, c.want)
			}
		})
	}
}

// TestParseJSONListsAreBounded: a message keeps at most maxListed
// reactions, reactors, attachments and members, however many the export
// lists, with each reaction's count as exported; the report says which
// parser version read it.
func TestParseJSONListsAreBounded(t *testing.T) {
	many := func(n int, item func(i int) string) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = item(i)
		}
		return strings.Join(parts, ",")
	}
	recent := many(100, func(i int) string { return fmt.Sprintf(`{"from": "U%d", "from_id": "user%d"}`, i, i) })
	tg := `{"name": "c", "type": "private_group", "messages": [` +
		`{"id": 1, "type": "message", "date_unixtime": "1700000000", "from": "A", "from_id": "user1", "text": "hi", "reactions": [` +
		many(100, func(i int) string {
			return fmt.Sprintf(`{"type": "emoji", "count": 500, "emoji": "e%d", "recent": [%s]}`, i, recent)
		}) + `]},` +
		`{"id": 2, "type": "service", "date_unixtime": "1700000001", "actor": "A", "action": "invite_members", "members": [` +
		many(100, func(i int) string { return fmt.Sprintf(`"M%d"`, i) }) + `]}]}`
	users := many(100, func(i int) string { return fmt.Sprintf(`{"id": "%d", "name": "u%d"}`, i, i) })
	dc := `{"guild": {"name": "g"}, "channel": {"name": "c"}, "messages": [{"id": "1", "timestamp": "2024-01-01T00:00:00Z", ` +
		`"author": {"id": "5", "name": "kai"}, "content": "x", "attachments": [` +
		many(100, func(i int) string { return fmt.Sprintf(`{"fileName": "f%d.png", "fileSizeBytes": 10}`, i) }) + `], "reactions": [` +
		many(100, func(i int) string {
			return fmt.Sprintf(`{"emoji": {"name": "e%d"}, "count": 2, "users": [%s]}`, i, users)
		}) + `]}]}`
	for _, in := range []string{tg, dc} {
		msgs, rep, err := parseAll(t, Parse(strings.NewReader(in), Options{}))
		if err != nil {
			t.Fatal(err)
		}
		if rep.ParserVersion != Version || Version < 2 {
			t.Errorf("parser version %d, want %d", rep.ParserVersion, Version)
		}
		m := msgs[0]
		if len(m.Reactions) != maxListed || len(m.Reactions[0].By) != maxListed || len(m.Attachments) > maxListed {
			t.Errorf("%v: %d reactions, %d reactors, %d attachments", rep.Format, len(m.Reactions), len(m.Reactions[0].By), len(m.Attachments))
		}
		if want := map[Format]int{FormatTelegram: 500, FormatDiscord: maxListed}[rep.Format]; m.Reactions[0].Count != want {
			t.Errorf("%v: count %d, want %d (the export's, at least the reactors kept)", rep.Format, m.Reactions[0].Count, want)
		}
		if rep.Format == FormatTelegram && len(msgs[1].Event.Members) != maxListed {
			t.Errorf("%d members", len(msgs[1].Event.Members))
		}
	}
}
