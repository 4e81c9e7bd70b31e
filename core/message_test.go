package core

import (
	"math"
	"testing"
	"time"
)

func TestMessageKindNamesRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range MessageKinds() {
		name := k.String()
		if seen[name] {
			t.Errorf("two kinds named %q", name)
		}
		seen[name] = true
		if got, err := ParseMessageKind(name); err != nil || got != k {
			t.Errorf("ParseMessageKind(%q) = %v, %v", name, got, err)
		}
	}
	if len(seen) != 8 {
		t.Errorf("%d kinds, the model has 8", len(seen))
	}
	if _, err := ParseMessageKind("video"); err == nil {
		t.Error("ParseMessageKind accepted an unknown kind")
	}
	if MessageKind(0).Valid() || MessageKind(200).Valid() {
		t.Error("an undeclared kind is valid")
	}
}

func TestMessageValidateAndParticipants(t *testing.T) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	ok := Message{Seq: 1, Local: at, Author: "Ann", Kind: MessageText, Text: "hi"}
	if err := ok.Validate(); err != nil || !ok.FromParticipant() || ok.HasInstant() {
		t.Errorf("valid text message: %v, participant %v", err, ok.FromParticipant())
	}
	notice := Message{Seq: 2, Local: at, Kind: MessageSystem, Text: "Ann left"}
	if err := notice.Validate(); err != nil || notice.FromParticipant() {
		t.Errorf("valid notice: %v, participant %v", err, notice.FromParticipant())
	}
	bad := map[string]Message{
		"no sequence":          {Local: at, Author: "Ann", Kind: MessageText},
		"no kind":              {Seq: 1, Local: at, Author: "Ann"},
		"notice with author":   {Seq: 1, Local: at, Author: "Group", Kind: MessageSystem},
		"text without author":  {Seq: 1, Local: at, Kind: MessageText},
		"no time at all":       {Seq: 1, Author: "Ann", Kind: MessageText},
		"an undeclared kind 9": {Seq: 1, Local: at, Author: "Ann", Kind: 9},
		"invalid UTF-8 text":   {Seq: 1, Local: at, Author: "Ann", Kind: MessageText, Text: "caf\xe9"},
		"invalid UTF-8 author": {Seq: 1, Local: at, Author: "Jos\xe9", Kind: MessageText},
		"NUL in text":          {Seq: 1, Local: at, Author: "Ann", Kind: MessageText, Text: "a\x00b"},
		"NUL in attachment":    {Seq: 1, Local: at, Author: "Ann", Kind: MessageMedia, Attachment: "a\x00.jpg"},
		"NUL in an attachment's name": {Seq: 1, Local: at, Author: "Ann", Kind: MessageMedia,
			Attachments: []Attachment{{Name: "a.jpg"}, {Name: "b\x00.jpg"}}},
		"negative attachment size": {Seq: 1, Local: at, Author: "Ann", Kind: MessageMedia,
			Attachments: []Attachment{{Name: "a.jpg", Size: -1}}},
		"reaction without emoji": {Seq: 1, Local: at, Author: "Ann", Kind: MessageText,
			Reactions: []Reaction{{Count: 1}}},
		"reaction counting fewer than its reactors": {Seq: 1, Local: at, Author: "Ann", Kind: MessageText,
			Reactions: []Reaction{{Emoji: "👍", Count: 1, By: []Reactor{{Name: "Ben"}, {Name: "Cy"}}}}},
		"reactor name not UTF-8": {Seq: 1, Local: at, Author: "Ann", Kind: MessageText,
			Reactions: []Reaction{{Emoji: "👍", Count: 1, By: []Reactor{{Name: "Jos\xe9"}}}}},
		"latitude beyond a pole": {Seq: 1, Local: at, Author: "Ann", Kind: MessageLocation, Geo: &GeoPoint{Lat: 91, Lon: 0}},
		"longitude not a number": {Seq: 1, Local: at, Author: "Ann", Kind: MessageLocation, Geo: &GeoPoint{Lat: 0, Lon: math.NaN()}},
		"event member with NUL": {Seq: 1, Local: at, Kind: MessageSystem, Text: "x",
			Event: &Event{Action: "invite_members", Members: []string{"a\x00"}}},
		"negative call length": {Seq: 1, Local: at, Author: "Ann", Kind: MessageCall, Event: &Event{Duration: -time.Second}},
	}
	full := Message{Seq: 3, Local: at, Author: "Ann", Kind: MessageMedia, Attachment: "a.jpg",
		Attachments: []Attachment{{Name: "a.jpg", MediaType: "image", Size: 10}, {Name: "Wave", MediaType: "sticker"}},
		Reactions:   []Reaction{{Emoji: "👍", Count: 3, By: []Reactor{{Name: "Ben", ID: "5"}}}, {Emoji: "party_blob", Count: 1}},
		Geo:         &GeoPoint{Lat: -33.86, Lon: 151.21}, Event: &Event{Action: "x", Duration: time.Minute}}
	if err := full.Validate(); err != nil {
		t.Errorf("a message with every part: %v", err)
	}
	for name, m := range bad {
		if m.Validate() == nil {
			t.Errorf("%s: Validate accepted %+v", name, m)
		}
	}
}
