package aiinsight_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chatlens/chatlens/adapters/ai/local"
	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/aiinsight"
	"github.com/chatlens/chatlens/ports"
)

// smallLocal is the local writer behind a small model's budget, so a
// chat of a few thousand messages is mapped and reduced.
type smallLocal struct{ *local.Adapter }

func (smallLocal) Info() ports.AIInfo {
	return ports.AIInfo{Provider: "local", Model: "small", ContextTokens: 4096, MaxOutputTokens: 700}
}

func tripChat(n int) []core.Message {
	lines := []string{
		"Should we book the hostel in Lisbon for the trip?",
		"The train to Lisbon leaves at nine, I checked the tickets.",
		"I love this plan, thank you for organising the trip!",
		"Can someone bring the map and the tickets?",
		"The hostel has a kitchen so we can cook dinner.",
	}
	msgs := make([]core.Message, n)
	for i := range msgs {
		msgs[i] = core.Message{Seq: int64(i + 1), Author: []string{"Ana", "Ben", "Chloé"}[i%3], Kind: core.MessageText,
			Text: fmt.Sprintf("%s (%d)", lines[i%len(lines)], i)}
	}
	return msgs
}

// TestTheLocalWriterEndToEnd: each AI type on the local writer, on a chat
// read whole and on one mapped and reduced, ends in a document that
// validates as its kind's answer and says who wrote it.
func TestTheLocalWriterEndToEnd(t *testing.T) {
	for _, ai := range []ports.AI{local.New(), smallLocal{local.New()}} {
		for _, tc := range []struct{ name, kind string }{
			{aiinsight.GeneratorSummary, aiinsight.KindSummary},
			{aiinsight.GeneratorTopics, aiinsight.KindTopics},
			{aiinsight.GeneratorTone, aiinsight.KindTone},
		} {
			doc, err := generator(t, ai, aiinsight.Config{}, tc.name).Generate(context.Background(), sourceOf(tripChat(3000)))
			if err != nil {
				t.Fatalf("%s on %s: %v", tc.name, ai.Info().Model, err)
			}
			b, _ := json.Marshal(doc)
			var meta aiinsight.Document
			if err := json.Unmarshal(b, &meta); err != nil {
				t.Fatal(err)
			}
			if meta.WrittenBy.Provider != "local" || meta.Coverage.Messages != 3000 || meta.Coverage.Calls < 1 {
				t.Fatalf("%s: %+v", tc.name, meta)
			}
			if ai.Info().Model == "small" && meta.Coverage.Calls < 3 {
				t.Fatalf("%s on a 4k budget read 3000 messages in %d calls", tc.name, meta.Coverage.Calls)
			}
			// The document less its metadata is a valid answer of its kind.
			var answer map[string]json.RawMessage
			_ = json.Unmarshal(b, &answer)
			delete(answer, "written_by")
			delete(answer, "coverage")
			delete(answer, "usage")
			plain, _ := json.Marshal(answer)
			prompt := "<transcript>\n"
			for _, m := range tripChat(3000) {
				prompt += fmt.Sprintf("#%d\t%s\tx\n", m.Seq, m.Author)
			}
			prompt += "</transcript>"
			if _, err := aiinsight.Validate(tc.kind, prompt, string(plain)); err != nil {
				t.Fatalf("%s: %v\n%s", tc.name, err, plain)
			}
			if tc.kind == aiinsight.KindSummary && !strings.Contains(strings.ToLower(string(plain)), "lisbon") {
				t.Errorf("the summary does not say what the chat is about: %s", plain)
			}
			t.Logf("%s on %s (%d calls): %.300s", tc.name, ai.Info().Model, meta.Coverage.Calls, plain)
		}
	}
}
