package app

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core/chatparse"
)

const parseCmdChat = "\ufeff[1/15/24, 3:20:11\u202fPM] Trail Friends: \u200eMessages and calls are end-to-end encrypted.\n" +
	"[1/15/24, 3:22:05\u202fPM] Carla: Hi all\n" +
	"second line\n" +
	"[1/15/24, 3:23:40\u202fPM] Dev: \u200eimage omitted\n" +
	"[1/20/24, 9:00:00\u202fAM] Trail Friends: \u200eDev left\n"

func writeParseCmdFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runParseCommand(args ...string) (code int, stdout, stderr string) {
	return runParseCommandInput(os.Stdin, args...)
}

func TestParseCommandTextReport(t *testing.T) {
	path := writeParseCmdFile(t, "chat.txt", []byte(parseCmdChat))
	code, out, errOut := runParseCommand(path)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	for _, want := range []string{
		"format:          whatsapp",
		"date order:      MDY (",
		"chat:            Trail Friends",
		"messages:        4 (system 2, media 1)",
		"by kind:         text 1, media 1, system 2",
		"participants:    2: Carla, Dev",
		"period:          2024-01-15T15:20:11 to 2024-01-20T09:00:00",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestParseCommandMessagesAndJSONReport(t *testing.T) {
	path := writeParseCmdFile(t, "chat.txt", []byte(parseCmdChat))
	// Flags after FILE are accepted too.
	code, out, errOut := runParseCommand("--messages", path, "--report", "json", "--tz", "America/New_York")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	var msgs []parsedMessage
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m parsedMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		msgs = append(msgs, m)
	}
	if len(msgs) != 4 {
		t.Fatalf("%d message lines, want 4:\n%s", len(msgs), out)
	}
	second := msgs[1]
	if second.Seq != 2 || second.Author != "Carla" || second.Text != "Hi all\nsecond line" ||
		second.Local != "2024-01-15T15:22:05" || second.At != "2024-01-15T20:22:05Z" || second.Kind != "text" {
		t.Errorf("second message %+v", second)
	}
	if msgs[2].Kind != "media" || msgs[2].MediaType != "image" || msgs[3].Author != "" || msgs[3].Kind != "system" {
		t.Errorf("media or system message wrong: %+v %+v", msgs[2], msgs[3])
	}
	var rep parsedReport
	if err := json.Unmarshal([]byte(errOut), &rep); err != nil {
		t.Fatalf("report on stderr is not JSON: %v\n%s", err, errOut)
	}
	if rep.Messages != 4 || rep.DateOrder != "MDY" || rep.Kinds["system"] != 2 || rep.Error != "" {
		t.Errorf("report %+v", rep)
	}
}

func TestParseCommandZipExport(t *testing.T) {
	path := writeParseCmdFile(t, "export.zip", parseCmdZip(t))
	code, out, errOut := runParseCommand("--report=json", path)
	var rep parsedReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 {
		t.Fatalf("exit %d, %v, stderr %s", code, err, errOut)
	}
	if rep.Format != "whatsapp-zip" || rep.Messages != 4 || rep.AttachmentCount != 1 {
		t.Errorf("report %+v", rep)
	}
}

func TestParseCommandFailuresStillReport(t *testing.T) {
	telegram := `{"chats": {"list": [{"name": "Family", "id": 1, "messages": []}, {"name": "Work", "id": 2, "messages": []}]}}`
	cases := []struct {
		name, file, content string
		args                []string
		want                []string
	}{
		{"unknown format", "notes.txt", "Dear diary\n", nil, []string{"error:", "not a recognised chat export"}},
		{"no messages", "chat.txt", "just a preamble\nand more\n", []string{"--format", "whatsapp"},
			[]string{"not understood:  2 lines (first: 1, 2)", "holds no messages"}},
		{"telegram chat not found", "result.json", telegram, []string{"--chat", "Friends"},
			[]string{`no chat named "Friends"`, `"Family", "Work"`, "choose one of them with --chat"}},
		{"telegram chat not chosen", "result.json", telegram, nil,
			[]string{"no chat was chosen", `"Family", "Work"`, "choose one with --chat NAME"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeParseCmdFile(t, c.file, []byte(c.content))
			code, out, errOut := runParseCommand(append(c.args, path)...)
			if code != 1 {
				t.Fatalf("exit %d, want 1; stderr %s", code, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	if code, _, errOut := runParseCommand(filepath.Join(t.TempDir(), "missing.txt")); code != 1 || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: exit %d, %s", code, errOut)
	}
}

func TestParseCommandUsageErrors(t *testing.T) {
	path := writeParseCmdFile(t, "chat.txt", []byte(parseCmdChat))
	cases := [][]string{
		{},
		{"--format", "pdf", path},
		{"--date-order", "dym", path},
		{"--tz", "Mars/Olympus", path},
		{"--report", "xml", path},
		{"--no-such-flag", path},
		{path, "another.txt"},
	}
	for _, args := range cases {
		if code, _, errOut := runParseCommand(args...); code != 2 || errOut == "" {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
	if code, _, errOut := runParseCommand("-h"); code != 0 || !strings.Contains(errOut, "usage: chatlens parse") {
		t.Errorf("-h: exit %d, %s", code, errOut)
	}
}

func TestParseCommandDateOrderOverride(t *testing.T) {
	path := writeParseCmdFile(t, "chat.txt", []byte("05/06/24, 10:00 - Ann: hi\n"))
	code, out, _ := runParseCommand("--messages", "--date-order", "mdy", path)
	if code != 0 || !strings.Contains(out, `"local":"2024-05-06T10:00:00"`) {
		t.Errorf("exit %d, %s", code, out)
	}
}

// TestParseCommandReportsRepairedText: a Latin-1 export is readable, and the
// report says its bytes were repaired.
func TestParseCommandReportsRepairedText(t *testing.T) {
	path := writeParseCmdFile(t, "latin1.txt", []byte("01/02/24, 10:00 - Jos\xe9: caf\xe9\n01/02/24, 10:01 - Ann: a\x00b\n"))
	code, out, errOut := runParseCommand("--messages", path)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if !strings.Contains(out, `"author":"Jos\ufffd"`) && !strings.Contains(out, "\"author\":\"Jos\uFFFD\"") {
		t.Errorf("messages: %s", out)
	}
	for _, want := range []string{"repaired UTF-8:  1", "repaired NUL:    1", "not valid UTF-8"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("report lacks %q:\n%s", want, errOut)
		}
	}
}

// runParseCommandInput runs the command with stdin as standard input.
func runParseCommandInput(stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = parseCommandWithInput(context.Background(), args, stdin, &out, &errOut)
	return code, out.String(), errOut.String()
}

func parseCmdZip(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range map[string]string{"_chat.txt": parseCmdChat, "00000012-PHOTO-2024-01-15.jpg": "jpeg"} {
		w, _ := zw.Create(name)
		w.Write([]byte(data))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestParseCommandStandardInput: "-" reads any export from standard input;
// a zip is copied to a temporary file first (removed afterwards), within a
// size limit.
func TestParseCommandStandardInput(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	cases := []struct {
		name  string
		input []byte
		args  []string
		want  string
	}{
		{"text export", []byte(parseCmdChat), nil, "messages:        4 (system 2, media 1)"},
		{"zip export", parseCmdZip(t), nil, "format:          whatsapp-zip"},
		{"zip export named by --format", parseCmdZip(t), []string{"--format", "whatsapp-zip"}, "attachments:     1"},
	}
	for _, c := range cases {
		code, out, errOut := runParseCommandInput(bytes.NewReader(c.input), append(c.args, "-")...)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("%s: exit %d, stderr %s, report lacks %q:\n%s", c.name, code, errOut, c.want, out)
		}
	}
	cmd, err := parseCommandArgs([]string{"-"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cmd.stdin, cmd.spoolLimit = bytes.NewReader(parseCmdZip(t)), 100
	var out, errOut bytes.Buffer
	if code := cmd.run(context.Background(), &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "larger than 100 bytes") {
		t.Errorf("zip over the limit: exit %d, stderr %s", code, errOut.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// TestParseCommandShowsMessageParts: the JSON lines carry attachments,
// reactions, a location's point and a notice's event; the report, the
// parser's version.
func TestParseCommandShowsMessageParts(t *testing.T) {
	discord := `{"guild": {"name": "g"}, "channel": {"name": "c"}, "messages": [` +
		`{"id": "1", "type": "GuildMemberJoin", "timestamp": "2024-01-01T00:00:00Z", "content": "Joined the server.", "author": {"id": "5", "name": "kai"}},` +
		`{"id": "2", "type": "Default", "timestamp": "2024-01-01T00:01:00Z", "content": "look", "author": {"id": "5", "name": "kai"},` +
		`"attachments": [{"fileName": "a.png", "fileSizeBytes": 10}, {"fileName": "b.mp4"}], "stickers": [{"name": "Wave"}],` +
		`"reactions": [{"emoji": {"name": "👍"}, "count": 2, "users": [{"id": "6", "name": "lea"}]}]}]}`
	whatsapp := "15/01/2024, 10:00 - Ann: location: https://maps.google.com/?q=52.52,13.405\n"
	var lines []parsedMessage
	for _, in := range []string{discord, whatsapp} {
		code, out, errOut := runParseCommandInput(strings.NewReader(in), "--messages", "--report", "json", "-")
		if code != 0 {
			t.Fatalf("exit %d, stderr %s", code, errOut)
		}
		for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
			var m parsedMessage
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, m)
		}
		var rep parsedReport
		if err := json.Unmarshal([]byte(errOut), &rep); err != nil || rep.ParserVersion != chatparse.Version {
			t.Errorf("report: %v, parser version %d", err, rep.ParserVersion)
		}
	}
	join, media, place := lines[0], lines[1], lines[2]
	if join.Event == nil || join.Event.Action != "GuildMemberJoin" || join.Event.Actor != "kai" || join.Text != "Joined the server." {
		t.Errorf("notice %+v, event %+v", join, join.Event)
	}
	if len(media.Attachments) != 3 || media.Attachments[0].Size != 10 || media.Attachments[2].MediaType != "sticker" ||
		len(media.Reactions) != 1 || media.Reactions[0].Count != 2 || media.Reactions[0].By[0].Name != "lea" {
		t.Errorf("media %+v", media)
	}
	if place.Kind != "location" || place.Geo == nil || place.Geo.Lat != 52.52 || place.Geo.Lon != 13.405 {
		t.Errorf("location %+v", place)
	}
	code, out, _ := runParseCommandInput(strings.NewReader(whatsapp), "-")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("parser:          chatparse version %d", chatparse.Version)) {
		t.Errorf("text report:\n%s", out)
	}
}

// TestParseCommandInterrupted: cancelling the context (SIGINT or SIGTERM in
// Main) ends the command promptly with exit 130, even while it waits on a
// standard input that never ends, and removes the zip it was spooling.
func TestParseCommandInterrupted(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	spooling := func() bool {
		left, _ := filepath.Glob(filepath.Join(tmp, "chatlens-parse-*"))
		return len(left) > 0
	}
	cases := []struct {
		name  string
		input []byte
		ready func() bool // the command is where it should be interrupted
	}{
		{"while spooling a zip", parseCmdZip(t)[:40], spooling},
		{"while streaming a text export", []byte(parseCmdChat[:60]), nil},
		{"before any input", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pr, pw := io.Pipe() // the writer is never closed: standard input never ends
			t.Cleanup(func() { pw.Close() })
			go pw.Write(c.input)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			type result struct {
				code           int
				stdout, stderr string
			}
			res := make(chan result, 1)
			go func() {
				var out, errOut bytes.Buffer
				code := parseCommandWithInput(ctx, []string{"--stats", "-"}, pr, &out, &errOut)
				res <- result{code, out.String(), errOut.String()}
			}()
			wait := time.Now().Add(5 * time.Second)
			for c.ready != nil && !c.ready() && time.Now().Before(wait) {
				time.Sleep(5 * time.Millisecond)
			}
			if c.ready != nil && !c.ready() {
				t.Fatal("the zip was never spooled to a temporary file")
			}
			time.Sleep(50 * time.Millisecond) // let the command block in its read
			cancel()
			select {
			case r := <-res:
				if r.code != exitInterrupted || !strings.Contains(r.stderr, "interrupted") || r.stdout != "" {
					t.Errorf("exit %d, stdout %q, stderr %q; want %d, no report, an interruption", r.code, r.stdout, r.stderr, exitInterrupted)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the command still runs 5s after its context was cancelled")
			}
			if spooling() {
				left, _ := os.ReadDir(tmp)
				t.Errorf("temporary files left behind: %v", left)
			}
		})
	}
	// A file is read until the next message: a cancelled context stops it too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	path := writeParseCmdFile(t, "chat.txt", []byte(parseCmdChat))
	if code := parseCommandWithInput(ctx, []string{path}, os.Stdin, &out, &errOut); code != exitInterrupted || out.Len() != 0 {
		t.Errorf("cancelled before the parse: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}
