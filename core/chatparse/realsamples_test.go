package chatparse

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sharedFixtures returns ../shared/fixtures beside the repository root (the
// folder holding go.mod), or skips the test when it is absent, as it is
// outside the project's workplace.
func sharedFixtures(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the package directory")
		}
		dir = parent
	}
	fixtures := filepath.Join(dir, "..", "shared", "fixtures")
	if _, err := os.Stat(fixtures); err != nil {
		t.Skipf("real export samples not present: %v", err)
	}
	return fixtures
}

// TestParseRealWhatsAppSamples checks the three real exports against the
// messages their source project expects. That project lists participants'
// messages only, newest first, with multi-line bodies joined by a space.
func TestParseRealWhatsAppSamples(t *testing.T) {
	dir := filepath.Join(sharedFixtures(t), "whatsapp")
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
	f, err := os.Open(filepath.Join(sharedFixtures(t), "telegram", "chatminer_full_account_export.json"))
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
