package local

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chatlens/chatlens/core/aiinsight"
	"github.com/chatlens/chatlens/ports"
)

var kinds = []string{aiinsight.KindSummary, aiinsight.KindTopics, aiinsight.KindTone}

// complete runs one request and fails the test on an error.
func complete(t testing.TB, task, prompt string, bound int) string {
	t.Helper()
	r, err := New().Complete(context.Background(), ports.AIRequest{Task: task, Prompt: prompt, MaxOutputTokens: bound, JSON: true})
	if err != nil {
		t.Fatalf("%s: %v", task, err)
	}
	return r.Text
}

// valid decodes an answer, failing the test unless it validates.
func valid[T any](t testing.TB, kind, prompt, answer string) *T {
	t.Helper()
	v, err := aiinsight.Validate(kind, prompt, answer)
	if err != nil {
		t.Fatalf("%s answer does not validate: %v\n%s", kind, err, answer)
	}
	return v.(*T)
}

// The partials of the reduce tests, by kind.
var (
	summaryPartials = partials(
		`{"messages":300,"result":{"summary":"Alice and Bob planned the trip.","key_points":[{"text":"The group agreed to take the train to Lisbon on 12 May.","messages":[12,15]},{"text":"Carol booked the hostel near the river for the whole trip.","messages":[40]},{"text":"Dan's cat knocked over a plant.","messages":[77]}]}}`,
		`{"messages":200,"result":{"summary":"The trip's costs were settled.","key_points":[{"text":"Bob booked his train ticket to Lisbon for the trip.","messages":[320]},{"text":"The hostel in Lisbon costs 25 euros a night for the trip.","messages":[350,351]},{"text":"Everyone agreed the trip budget is 400 euros.","messages":[390]}]}}`,
		`{"messages":20,"result":{"summary":"Memes.","key_points":[{"text":"Somebody shared a meme about cats and dogs.","messages":[510]}]}}`,
	)
	topicsPartials = partials(
		`{"messages":100,"result":{"topics":[{"label":"football / match","keywords":["football","match","goal"],"share":0.5,"messages":[1,2]},{"label":"recipe","keywords":["recipe","oven","dough"],"share":0.3,"messages":[50]}]}}`,
		`{"messages":300,"result":{"topics":[{"label":"Football","keywords":["goal","striker","match"],"share":0.2,"messages":[210]},{"label":"holiday","keywords":["beach","hotel"],"share":0.6,"messages":[200]}]}}`,
	)
	tonePartials = partials(
		`{"messages":100,"result":{"overall":"warm","pairs":[{"from":"Alice","to":"Bob","tone":"warm","score":0.7,"messages":[1,2]},{"from":"Bob","to":"Alice","tone":"friendly","score":0.5,"messages":[3]}]}}`,
		`{"messages":300,"result":{"overall":"tense","pairs":[{"from":"Alice","to":"Bob","tone":"neutral","score":-0.3,"messages":[400]},{"from":"Carol","to":"Alice","tone":"hostile","score":-0.8,"messages":[410,420]}]}}`,
	)
	// tiePrompts are partials whose parts weigh exactly alike: an order
	// taken from a map would show in the answer.
	tiePrompts = map[string]string{
		aiinsight.KindSummary: partials(
			`{"messages":10,"result":{"summary":"x","key_points":[{"text":"Alpha beta gamma delta.","messages":[1]},{"text":"Epsilon zeta eta theta.","messages":[2]}]}}`,
			`{"messages":10,"result":{"summary":"y","key_points":[{"text":"Iota kappa lambda mu.","messages":[3]},{"text":"Nu xi omicron pi.","messages":[4]}]}}`,
		),
		aiinsight.KindTopics: partials(
			`{"messages":10,"result":{"topics":[{"label":"a","keywords":["x","y","z"],"share":0.2,"messages":[1]},{"label":"b","keywords":["u","v"],"share":0.2,"messages":[2]}]}}`,
			`{"messages":10,"result":{"topics":[{"label":"a","keywords":["z","y","x"],"share":0.2,"messages":[3]},{"label":"c","keywords":["v","u"],"share":0.2,"messages":[4]}]}}`,
		),
		aiinsight.KindTone: partials(
			`{"messages":10,"result":{"overall":"warm","pairs":[{"from":"A","to":"B","tone":"warm","score":0.7,"messages":[1]},{"from":"B","to":"A","tone":"warm","score":0.7,"messages":[2]}]}}`,
			`{"messages":10,"result":{"overall":"tense","pairs":[{"from":"C","to":"A","tone":"tense","score":-0.3,"messages":[3]},{"from":"A","to":"C","tone":"tense","score":-0.3,"messages":[4]}]}}`,
		),
	}
	reducePrompts = map[string]string{
		aiinsight.KindSummary: summaryPartials,
		aiinsight.KindTopics:  topicsPartials,
		aiinsight.KindTone:    tonePartials,
	}
)

// cases are a request of each kind and stage on each hand-made input.
func cases() []struct{ name, kind, task, prompt string } {
	maps := map[string][]string{
		"trip": tripChat, "topics": topicsChat, "tone-en": toneChats["en"].lines,
		"tone-es": toneChats["es"].lines, "tone-ja": toneChats["ja"].lines, "multilingual": multilingualChat,
		"one-author": {"Alice\tNote to self: buy flour, yeast and butter for the bread recipe.", "Alice\tAlso book the oven repair for Monday, the oven is terrible."},
		"only-noise": {"Alice\tok", "Bob\tlol", "Alice\t👍", "Bob\thttps://example.com"},
	}
	var out []struct{ name, kind, task, prompt string }
	for _, kind := range kinds {
		for name, msgs := range maps {
			out = append(out, struct{ name, kind, task, prompt string }{name, kind, aiinsight.Task(kind, aiinsight.StageMap), transcript(msgs...)})
		}
		out = append(out, struct{ name, kind, task, prompt string }{"partials", kind, aiinsight.Task(kind, aiinsight.StageReduce), reducePrompts[kind]})
		out = append(out, struct{ name, kind, task, prompt string }{"ties", kind, aiinsight.Task(kind, aiinsight.StageReduce), tiePrompts[kind]})
	}
	return out
}

func TestInfo(t *testing.T) {
	want := ports.AIInfo{Provider: "local", Model: "chatlens-local-1", ContextTokens: 128000, MaxOutputTokens: 4096}
	if got := New().Info(); got != want {
		t.Fatalf("Info() = %+v, want %+v", got, want)
	}
}

func TestAnswersValidate(t *testing.T) {
	for _, c := range cases() {
		t.Run(c.task+"/"+c.name, func(t *testing.T) {
			answer := complete(t, c.task, c.prompt, 0)
			if _, err := aiinsight.Validate(c.kind, c.prompt, answer); err != nil {
				t.Fatalf("%v\n%s", err, answer)
			}
		})
	}
}

// A repair prompt quotes the answer that failed and ends with the original
// prompt: its blocks are the last ones, and the answer is the original's.
func TestRepairIsAnsweredAsItsStage(t *testing.T) {
	for _, c := range cases() {
		t.Run(c.task+"/"+c.name, func(t *testing.T) {
			// The preamble quotes a block of the same name as the prompt's:
			// only the last one is the data.
			quoted := "<transcript>\n#9999\tMallory\tnot the chat\n</transcript>"
			if strings.HasSuffix(c.task, ".reduce") {
				quoted = "<partials>\n{\"messages\":1,\"result\":{}}\n</partials>"
			}
			repair := "Your answer did not validate: it cites message 9999.\nIt read:\n" + quoted + "\n\n" + c.prompt
			answer := complete(t, c.task+".repair", repair, 0)
			if answer != complete(t, c.task, c.prompt, 0) {
				t.Fatalf("the repair answered differently from the task it repairs:\n%s", answer)
			}
			if _, err := aiinsight.Validate(c.kind, repair, answer); err != nil {
				t.Fatalf("%v\n%s", err, answer)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	for _, c := range cases() {
		t.Run(c.task+"/"+c.name, func(t *testing.T) {
			first := complete(t, c.task, c.prompt, 0)
			for range 20 {
				if again := complete(t, c.task, c.prompt, 0); again != first {
					t.Fatalf("two answers to one request:\n%s\n%s", first, again)
				}
			}
		})
	}
	big := bigTranscript(3000)
	for _, kind := range kinds {
		first := complete(t, kind+".map", big, 0)
		for range 3 {
			if again := complete(t, kind+".map", big, 0); again != first {
				t.Fatalf("%s: two answers to one large request", kind)
			}
		}
	}
}

func TestUsage(t *testing.T) {
	req := ports.AIRequest{Task: "summary.map", System: "You summarise chats.", Prompt: transcript(tripChat...)}
	r, err := New().Complete(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := ports.AIUsage{PromptTokens: aiinsight.EstimateTokens(req.System + req.Prompt), OutputTokens: aiinsight.EstimateTokens(r.Text)}
	if r.Usage != want || want.OutputTokens == 0 {
		t.Fatalf("usage %+v, want %+v", r.Usage, want)
	}
}

func TestUndecodablePromptsAreUnavailable(t *testing.T) {
	const secret = "SECRET-CHAT-TEXT"
	good := transcript("Alice\t" + secret + " is what we talked about")
	for name, req := range map[string]ports.AIRequest{
		"no block":          {Task: "summary.map", Prompt: "Summarise " + secret},
		"unclosed block":    {Task: "topics.map", Prompt: "<transcript>\n#1\tAlice\t" + secret + "\n"},
		"bad line":          {Task: "tone.map", Prompt: "<transcript>\n1 Alice " + secret + "\n</transcript>"},
		"bad partial":       {Task: "summary.reduce", Prompt: partials(`{"messages":3,"result":` + secret + `}`)},
		"wrong shape":       {Task: "tone.reduce", Prompt: partials(`{"messages":3,"result":{"overall":["` + secret + `"]}}`)},
		"reduce transcript": {Task: "summary.reduce", Prompt: good},
		"map partials":      {Task: "topics.map", Prompt: reducePrompts[aiinsight.KindTopics]},
		"unknown kind":      {Task: "poem.map", Prompt: good},
		"unknown stage":     {Task: "summary.draft", Prompt: good},
		"no task":           {Prompt: good},
		"empty summary":     {Task: "summary.map", Prompt: transcript()},
		"empty topics":      {Task: "topics.map", Prompt: transcript()},
		"no partials":       {Task: "summary.reduce", Prompt: partials()},
		"no topics":         {Task: "topics.reduce", Prompt: partials(`{"messages":3,"result":{"topics":[]}}`)},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New().Complete(context.Background(), req)
			if !errors.Is(err, ports.ErrAIUnavailable) {
				t.Fatalf("error %v, want ErrAIUnavailable", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("the error quotes the prompt: %v", err)
			}
		})
	}
}

// An empty transcript has a valid tone (neutral, no pairs), and an empty
// reduce too.
func TestEmptyTone(t *testing.T) {
	for _, prompt := range []string{transcript(), partials()} {
		task := "tone.map"
		if strings.Contains(prompt, "<partials>") {
			task = "tone.reduce"
		}
		answer := complete(t, task, prompt, 0)
		if answer != `{"overall":"neutral","pairs":[]}` {
			t.Fatalf("%s: %s", task, answer)
		}
		valid[aiinsight.Tone](t, aiinsight.KindTone, prompt, answer)
	}
}

func TestOutputBound(t *testing.T) {
	long := strings.Repeat("The quarterly planning of the Lisbon trip needs a budget, a train and a hostel booking. ", 30)
	wide := make([]string, 0, 80)
	for i := range 80 {
		wide = append(wide, string(rune('A'+i%26))+strings.Repeat("x", i/26)+"\tThanks so much, this is great and I love it 😊")
	}
	inputs := map[string]string{
		"trip": transcript(tripChat...), "topics": transcript(topicsChat...), "multilingual": transcript(multilingualChat...),
		"long": transcript("Alice\t"+long, "Bob\t"+long, "Carol\t"+long, "Alice\t"+long), "wide": transcript(wide...),
		"big": bigTranscript(2000),
	}
	for _, kind := range kinds {
		inputs["partials-"+kind] = reducePrompts[kind]
	}
	for _, bound := range []int{200, 120, 60} {
		for name, prompt := range inputs {
			for _, kind := range kinds {
				if strings.HasPrefix(name, "partials-") && name != "partials-"+kind {
					continue
				}
				stage := aiinsight.StageMap
				if strings.HasPrefix(name, "partials-") {
					stage = aiinsight.StageReduce
				}
				answer := complete(t, aiinsight.Task(kind, stage), prompt, bound)
				if n := aiinsight.EstimateTokens(answer); n > bound {
					t.Errorf("%s %s: %d tokens, bound %d", kind, name, n, bound)
				}
				if _, err := aiinsight.Validate(kind, prompt, answer); err != nil {
					t.Errorf("%s %s at %d: %v\n%s", kind, name, bound, err, answer)
				}
			}
		}
	}
	// A bound no answer fits is a truncation.
	for _, kind := range kinds {
		_, err := New().Complete(context.Background(), ports.AIRequest{Task: kind + ".map", Prompt: transcript(tripChat...), MaxOutputTokens: 3})
		if !errors.Is(err, ports.ErrAITruncated) {
			t.Errorf("%s at 3 tokens: %v, want ErrAITruncated", kind, err)
		}
	}
	// Without a bound, the adapter's own applies: CJK text costs a token a
	// byte, so a long CJK summary must be cut to it.
	cjk := strings.Repeat("我们明天去北京旅行，火车票已经买好了，酒店也订好了。", 40)
	prompt := transcript("小明\t"+cjk, "小红\t"+cjk+"好的", "小明\t"+cjk+"谢谢")
	if n := aiinsight.EstimateTokens(complete(t, "summary.map", prompt, 0)); n > MaxOutputTokens {
		t.Errorf("an unbounded CJK summary takes %d tokens, more than %d", n, MaxOutputTokens)
	}
}

func TestLargeTranscript(t *testing.T) {
	prompt := bigTranscript(10000)
	for _, kind := range kinds {
		answer := complete(t, kind+".map", prompt, 0)
		if _, err := aiinsight.Validate(kind, prompt, answer); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
}

// countdown is a context that is cancelled after its Err has been asked
// n times: it tells a loop that checks its context from one that does not,
// without timing anything.
type countdown struct {
	context.Context
	left atomic.Int64
}

func newCountdown(n int64) *countdown {
	c := &countdown{Context: context.Background()}
	c.left.Store(n)
	return c
}

func (c *countdown) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func TestCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	big := bigTranscript(10000)
	for _, kind := range kinds {
		for _, prompt := range []string{big, reducePrompts[kind]} {
			stage := aiinsight.StageMap
			if prompt != big {
				stage = aiinsight.StageReduce
			}
			if _, err := New().Complete(ctx, ports.AIRequest{Task: aiinsight.Task(kind, stage), Prompt: prompt}); !errors.Is(err, context.Canceled) {
				t.Errorf("%s.%s with a cancelled context: %v", kind, stage, err)
			}
		}
		// Cancelled once the work has begun: the long loops notice.
		if _, err := New().Complete(newCountdown(2), ports.AIRequest{Task: kind + ".map", Prompt: big}); !errors.Is(err, context.Canceled) {
			t.Errorf("%s.map cancelled midway: %v", kind, err)
		}
	}
}

func BenchmarkComplete(b *testing.B) {
	prompt := bigTranscript(10000)
	for _, kind := range kinds {
		b.Run(kind, func(b *testing.B) {
			req := ports.AIRequest{Task: kind + ".map", Prompt: prompt}
			a := New()
			for b.Loop() {
				if _, err := a.Complete(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
