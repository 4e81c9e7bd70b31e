package chatparse

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
)

// -update rewrites the .want.json files from the parser's output. Review the
// diff before committing: the files are the specification, not a snapshot.
var update = flag.Bool("update", false, "rewrite testdata/**/*.want.json from the parser's output")

// golden is what a fixture must parse to: the report's key figures and every
// message.
type golden struct {
	Report   goldenReport    `json:"report"`
	Messages []goldenMessage `json:"messages"`
}

type goldenReport struct {
	Format         string   `json:"format"`
	DateOrder      string   `json:"date_order,omitempty"`
	Chat           string   `json:"chat,omitempty"`
	Messages       int      `json:"messages"`
	SystemMessages int      `json:"system_messages"`
	MediaMessages  int      `json:"media_messages"`
	Participants   []string `json:"participants"`
	UnparsedLines  []int    `json:"unparsed_lines,omitempty"`
	SkippedEntries int      `json:"skipped_entries,omitempty"`
	Duplicates     int      `json:"duplicates,omitempty"`
	ClampedTimes   int      `json:"clamped_times,omitempty"`
	Attachments    []string `json:"attachments,omitempty"`
}

type goldenMessage struct {
	Seq         int64              `json:"seq"`
	Local       string             `json:"local"`
	At          string             `json:"at,omitempty"`
	Author      string             `json:"author,omitempty"`
	AuthorID    string             `json:"author_id,omitempty"`
	Kind        string             `json:"kind"`
	Text        string             `json:"text,omitempty"`
	MediaType   string             `json:"media_type,omitempty"`
	Attachment  string             `json:"attachment,omitempty"`
	Edited      bool               `json:"edited,omitempty"`
	ReplyTo     string             `json:"reply_to,omitempty"`
	ID          string             `json:"id,omitempty"`
	Attachments []goldenAttachment `json:"attachments,omitempty"`
	Reactions   []goldenReaction   `json:"reactions,omitempty"`
	Geo         *goldenGeo         `json:"geo,omitempty"`
	Event       *goldenEvent       `json:"event,omitempty"`
}

type goldenAttachment struct {
	Name      string `json:"name,omitempty"`
	MediaType string `json:"media_type,omitempty"`
	Size      int64  `json:"size,omitempty"`
}

type goldenReaction struct {
	Emoji string   `json:"emoji"`
	Count int      `json:"count"`
	By    []string `json:"by,omitempty"` // "name (id)"
}

type goldenGeo struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

type goldenEvent struct {
	Action   string   `json:"action,omitempty"`
	Actor    string   `json:"actor,omitempty"`
	ActorID  string   `json:"actor_id,omitempty"`
	Members  []string `json:"members,omitempty"`
	Title    string   `json:"title,omitempty"`
	Duration string   `json:"duration,omitempty"`
	Outcome  string   `json:"outcome,omitempty"`
}

// goldenParts writes m's attachments, reactions, point and event.
func goldenParts(gm *goldenMessage, m *core.Message) {
	for _, a := range m.Attachments {
		gm.Attachments = append(gm.Attachments, goldenAttachment(a))
	}
	for _, r := range m.Reactions {
		gr := goldenReaction{Emoji: r.Emoji, Count: r.Count}
		for _, by := range r.By {
			gr.By = append(gr.By, by.Name+" ("+by.ID+")")
		}
		gm.Reactions = append(gm.Reactions, gr)
	}
	if m.Geo != nil {
		gm.Geo = &goldenGeo{m.Geo.Lat, m.Geo.Lon}
	}
	if e := m.Event; e != nil {
		gm.Event = &goldenEvent{Action: e.Action, Actor: e.Actor, ActorID: e.ActorID, Members: e.Members,
			Title: e.Title, Outcome: e.Outcome}
		if e.Duration != 0 {
			gm.Event.Duration = e.Duration.String()
		}
	}
}

func toGolden(msgs []core.Message, r Report) golden {
	g := golden{Report: goldenReport{
		Format: r.Format.String(), Chat: r.Chat, Messages: r.Messages,
		SystemMessages: r.SystemMessages, MediaMessages: r.MediaMessages,
		Participants: r.Participants, UnparsedLines: r.FirstUnparsedLines,
		SkippedEntries: r.SkippedEntries, Duplicates: r.Duplicates,
		ClampedTimes: r.ClampedTimes, Attachments: r.Attachments,
	}}
	if r.DateOrder != DateOrderAuto {
		g.Report.DateOrder = r.DateOrder.String()
	}
	for _, m := range msgs {
		gm := goldenMessage{Seq: m.Seq, Local: m.Local.Format("2006-01-02T15:04:05"),
			Author: m.Author, AuthorID: m.AuthorID, Kind: m.Kind.String(), Text: m.Text,
			MediaType: m.MediaType, Attachment: m.Attachment, Edited: m.Edited,
			ReplyTo: m.ReplyTo, ID: m.PlatformID}
		goldenParts(&gm, &m)
		if !m.At.IsZero() {
			gm.At = m.At.Format(time.RFC3339)
		}
		g.Messages = append(g.Messages, gm)
	}
	return g
}

// parseAll runs a stream to its end, checking the invariants every message
// must hold whatever the input.
func parseAll(t testing.TB, s *Stream) ([]core.Message, Report, error) {
	t.Helper()
	var msgs []core.Message
	for m, err := range s.Messages() {
		if err != nil {
			return msgs, s.Report(), err
		}
		if err := m.Validate(); err != nil {
			t.Errorf("invalid message: %v", err)
		}
		if m.Seq != int64(len(msgs))+1 {
			t.Errorf("message %d has Seq %d", len(msgs)+1, m.Seq)
		}
		msgs = append(msgs, m)
	}
	return msgs, s.Report(), nil
}

// checkGolden parses path with opts and compares with path's .want.json, or
// path's _variant.want.json when variant is set (one input, several options).
func checkGolden(t *testing.T, path, variant string, opts Options) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msgs, rep, err := parseAll(t, Parse(f, opts))
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	got, err := json.MarshalIndent(toGolden(msgs, rep), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	wantPath := strings.TrimSuffix(path, filepath.Ext(path))
	if variant != "" {
		wantPath += "_" + variant
	}
	wantPath += ".want.json"
	if *update {
		if err := os.WriteFile(wantPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(wantPath)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it, then review it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: parse differs from %s\n%s", path, wantPath, lineDiff(string(want), string(got)))
	}
}

// lineDiff shows the first lines where want and got differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 8; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want " + wl + "\n  got  " + gl + "\n")
			shown++
		}
	}
	return b.String()
}
