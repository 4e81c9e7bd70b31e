package app

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// statsChat is an iOS export: a group-signed notice, two authors, a media
// placeholder, replies minutes apart and a conversation a day later.
const statsChat = "[1/15/24, 3:20:11\u202fPM] Trail Friends: \u200eMessages and calls are end-to-end encrypted.\n" +
	"[1/15/24, 3:22:05\u202fPM] Carla: Hiking tomorrow? 🥾🥾\n" +
	"[1/15/24, 3:25:05\u202fPM] Dev: hiking sounds great\n" +
	"[1/15/24, 3:26:40\u202fPM] Dev: \u200eimage omitted\n" +
	"[1/16/24, 9:00:00\u202fAM] Carla: Hiking boots ready\n"

func statsFile(t *testing.T) string {
	return writeParseCmdFile(t, "chat.txt", []byte(statsChat))
}

func TestParseStatsText(t *testing.T) {
	path := statsFile(t)
	_, plain, _ := runParseCommand(path)
	code, out, errOut := runParseCommand("--stats", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	report, stats, ok := strings.Cut(out, "\nstatistics (")
	if !ok || report != plain {
		t.Fatalf("--stats must print the report unchanged, then the statistics:\n%s", out)
	}
	for _, want := range []string{
		"clock: each message's own clock; a conversation starts after 30m0s of silence; stop words: en, de,",
		"messages:        4 by 2 authors (system 1), words 8, media 1, emoji 2",
		"first, last:     2024-01-15T15:22:05 (Carla), 2024-01-16T09:00:00 (Carla)",
		"conversations:   2",
		"days:            2 with messages; busiest 2024-01-15 (3)",
		"by weekday:      Mon 3, Tue 1,",
		"Carla: 2 messages, 5 words, 0 media, 2 emoji; conversations started 2; median response 17h39m (of 1)",
		"Dev: 2 messages, 3 words, 1 media, 0 emoji; conversations started 0; median response 3m (of 1)",
		"top words:     hiking 2, boots 1, ready 1, tomorrow 1",
		"top emoji:     🥾 2",
	} {
		if !strings.Contains(stats, want) {
			t.Errorf("statistics lack %q:\n%s", want, stats)
		}
	}
}

func TestParseStatsJSON(t *testing.T) {
	path := statsFile(t)
	_, plain, _ := runParseCommand("--report", "json", path)
	code, out, errOut := runParseCommand("--report", "json", "--tz", "America/New_York", path, "--stats")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	var stats struct {
		Messages int    `json:"messages"`
		Zone     string `json:"time_zone"`
		Authors  []struct {
			Name            string  `json:"name"`
			MedianResponseS float64 `json:"median_response_s"`
			TopWords        []struct {
				Text  string `json:"text"`
				Count int    `json:"count"`
			} `json:"top_words"`
		} `json:"authors"`
		ByWeekdayHour [7][24]int `json:"by_weekday_hour"`
		ByDay         []struct {
			Date     string `json:"date"`
			Messages int    `json:"messages"`
		} `json:"by_day"`
	}
	if err := json.Unmarshal(got["stats"], &stats); err != nil {
		t.Fatal(err)
	}
	if stats.Messages != 4 || stats.Zone != "America/New_York" || len(stats.Authors) != 2 ||
		stats.Authors[1].Name != "Dev" || stats.Authors[1].MedianResponseS < 178 || stats.Authors[1].MedianResponseS > 182 {
		t.Errorf("stats %+v", stats)
	}
	if stats.ByWeekdayHour[1][15] != 3 || len(stats.ByDay) != 2 || stats.ByDay[0].Date != "2024-01-15" {
		t.Errorf("activity %v %v", stats.ByWeekdayHour[1], stats.ByDay)
	}
	// Without its stats member, the object is the report --stats leaves out.
	var want map[string]json.RawMessage
	if err := json.Unmarshal([]byte(plain), &want); err != nil {
		t.Fatal(err)
	}
	delete(got, "stats")
	if len(got) != len(want) {
		t.Errorf("report members: %d with --stats, %d without", len(got), len(want))
	}
	for k, v := range want {
		if !bytes.Equal(compactJSON(t, got[k]), compactJSON(t, v)) && k != "file" {
			t.Errorf("report member %q: %s with --stats, %s without", k, got[k], v)
		}
	}
}

func compactJSON(t *testing.T, raw json.RawMessage) []byte {
	var b bytes.Buffer
	if len(raw) > 0 {
		if err := json.Compact(&b, raw); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func TestParseStatsWithMessages(t *testing.T) {
	path := statsFile(t)
	_, plainOut, plainErr := runParseCommand("--messages", path)
	code, out, errOut := runParseCommand("--messages", "--stats", path)
	if code != 0 || out != plainOut {
		t.Fatalf("exit %d; messages on stdout must not change with --stats:\n%s", code, out)
	}
	if !strings.HasPrefix(errOut, plainErr) || !strings.Contains(errOut, "\nstatistics (") {
		t.Errorf("report and statistics go to stderr:\n%s", errOut)
	}
}

func TestParseStatsFlagIsDocumentedAndOptional(t *testing.T) {
	_, _, help := runParseCommand("-h")
	if !strings.Contains(help, "-stats") {
		t.Errorf("help lacks -stats:\n%s", help)
	}
	_, out, _ := runParseCommand(statsFile(t))
	if strings.Contains(out, "statistics") {
		t.Errorf("statistics printed without --stats:\n%s", out)
	}
	code, _, errOut := runParseCommand("--stats", filepath.Join(t.TempDir(), "missing.txt"))
	if code != 1 || strings.Contains(errOut, "statistics") {
		t.Errorf("missing file: exit %d, %s", code, errOut)
	}
}

func TestRoughDuration(t *testing.T) {
	for secs, want := range map[float64]string{0: "0s", 59.6: "1m", 180.9: "3m", 191: "3m10s", 3599: "1h0m", 63559: "17h39m"} {
		if got := roughDuration(secs); got != want {
			t.Errorf("roughDuration(%v) = %q, want %q", secs, got, want)
		}
	}
}

// TestParseStatsSilence: --silence sets the gap after which a message starts
// a conversation; it needs --stats and a positive duration.
func TestParseStatsSilence(t *testing.T) {
	path := statsFile(t)
	started := func(args ...string) (conversations int, carla, dev int) {
		t.Helper()
		code, out, errOut := runParseCommand(append([]string{"--report", "json", "--stats", path}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		var got struct {
			Stats statsWire `json:"stats"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		by := map[string]int{}
		for _, a := range got.Stats.Authors {
			by[a.Name] = a.ConversationsStarted
		}
		return got.Stats.Conversations, by["Carla"], by["Dev"]
	}
	// Dev answers Carla after 3 minutes: within the default 30 minutes, not
	// within 2; the next day's message is after both.
	if n, carla, dev := started(); n != 2 || carla != 2 || dev != 0 {
		t.Errorf("default silence: %d conversations, started by Carla %d, Dev %d; want 2, 2, 0", n, carla, dev)
	}
	if n, carla, dev := started("--silence", "2m"); n != 3 || carla != 2 || dev != 1 {
		t.Errorf("--silence 2m: %d conversations, started by Carla %d, Dev %d; want 3, 2, 1", n, carla, dev)
	}
	if n, carla, dev := started("--silence=48h"); n != 1 || carla != 1 || dev != 0 {
		t.Errorf("--silence 48h: %d conversations, started by Carla %d, Dev %d; want 1, 1, 0", n, carla, dev)
	}
	if _, out, _ := runParseCommand("--stats", "--silence", "45m", path); !strings.Contains(out, "a conversation starts after 45m0s of silence") {
		t.Errorf("the text statistics do not name the silence:\n%s", out)
	}
	for _, args := range [][]string{
		{"--silence", "45m", path},            // without --stats
		{"--stats", "--silence", "0s", path},  // not positive
		{"--stats", "--silence", "-5m", path}, // not positive
		{"--stats", "--silence", "45", path},  // no unit
	} {
		if code, _, errOut := runParseCommand(args...); code != 2 || !strings.Contains(errOut, "silence") {
			t.Errorf("%q: exit %d, stderr %q; want a usage error", args, code, errOut)
		}
	}
	if _, _, help := runParseCommand("-h"); !strings.Contains(help, "-silence") {
		t.Errorf("-h does not document --silence:\n%s", help)
	}
}
