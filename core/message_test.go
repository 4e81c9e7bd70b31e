package core

import (
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
	}
	for name, m := range bad {
		if m.Validate() == nil {
			t.Errorf("%s: Validate accepted %+v", name, m)
		}
	}
}
