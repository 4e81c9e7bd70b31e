package chatparse

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// realSamplesEnv names the directory of real export samples. The samples
// are not in the repository (they are another project's files): the tests
// below run when it is set and skip otherwise, while the repository's own
// fixtures (testdata/, golden_test.go) are checked either way.
//
// To get them: clone https://github.com/joweich/chat-miner (MIT licence) at
// commit 17c52a1 and make a directory holding, from its test/ folder,
// whatsapp/chatminer_ios_bracket_mmddyy_24h.txt,
// whatsapp/chatminer_android_mmddyyyy_12h_ampm_dotted.txt,
// whatsapp/chatminer_android_yyyymmdd_24h.txt,
// whatsapp/chatminer_expected_target.json (the messages it expects from
// the three, newest first) and
// telegram/chatminer_full_account_export.json; then
// CHATLENS_REAL_SAMPLES=/that/dir go test ./core/chatparse/.
const realSamplesEnv = "CHATLENS_REAL_SAMPLES"

// realSamples returns the samples directory, or skips the test, saying how
// to get them.
func realSamples(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(realSamplesEnv)
	if dir == "" {
		t.Skipf("real export samples not configured: set %s (see realSamplesEnv in realsamples_test.go for where to get them)", realSamplesEnv)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("%s: %v", realSamplesEnv, err)
	}
	return dir
}

// TestParseRealWhatsAppSamples checks the three real exports against the
// messages their source project expects. That project lists participants'
// messages only, newest first, with multi-line bodies joined by a space.
func TestParseRealWhatsAppSamples(t *testing.T) {
	dir := filepath.Join(realSamples(t), "whatsapp")
	raw, err := os.ReadFile(filepath.Join(dir, "chatminer_expected_target.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want []struct{ Timestamp, Author, Message string }
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("expected file lists no message")
	}
	samples := []string{
		"chatminer_ios_bracket_mmddyy_24h.txt",
		"chatminer_android_mmddyyyy_12h_ampm_dotted.txt",
		"chatminer_android_yyyymmdd_24h.txt",
	}
	for _, name := range samples {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			msgs, _, err := parseAll(t, Parse(f, Options{}))
			if err != nil {
				t.Fatal(err)
			}
			var got []struct{ Timestamp, Author, Message string }
			for _, m := range msgs {
				if m.FromParticipant() {
					got = append(got, struct{ Timestamp, Author, Message string }{
						m.Local.Format("2006-01-02T15:04:05"), m.Author, normaliseSpace(m.Text)})
				}
			}
			slices.Reverse(got)
			if len(got) != len(want) {
				t.Fatalf("got %d participant messages, want %d: %+v", len(got), len(want), got)
			}
			for i := range want {
				w := want[i]
				w.Message = normaliseSpace(w.Message)
				if got[i] != w {
					t.Errorf("message %d:\n got  %+v\n want %+v", i, got[i], w)
				}
			}
		})
	}
}

func normaliseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// TestParseRealTelegramSample reads the real full-account export: its one
// chat by name, text given as an entity array joined into one string.
func TestParseRealTelegramSample(t *testing.T) {
	f, err := os.Open(filepath.Join(realSamples(t), "telegram", "chatminer_full_account_export.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msgs, rep, err := parseAll(t, Parse(f, Options{Chat: "Chatname"}))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Format != FormatTelegram || rep.Chat != "Chatname" || len(msgs) != 2 {
		t.Fatalf("format %v, chat %q, %d messages", rep.Format, rep.Chat, len(msgs))
	}
	if m := msgs[1]; m.Author != "Author 2" || m.Text != "Link:https://telegram.org/" ||
		m.At.Unix() != 1544006964 || m.Kind.String() != "text" {
		t.Errorf("second message %+v", m)
	}
}
