package aiinsight

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// The answers' shapes. A model answers with one of these as a JSON object
// (the prompt templates show it the shape); its answer is decoded strictly
// and validated before anything is kept, and the same shapes are the
// insight documents clients read, beside Meta. Citations are message
// sequence numbers, and only numbers the prompt showed are accepted.

// Summary is the summary type's answer.
type Summary struct {
	Summary   string     `json:"summary"`
	KeyPoints []KeyPoint `json:"key_points"`
}

// KeyPoint is one point of a summary and the messages that make it.
type KeyPoint struct {
	Text     string  `json:"text"`
	Messages []int64 `json:"messages"`
}

// Topics is the main-topics type's answer.
type Topics struct {
	Topics []Topic `json:"topics"`
}

// Topic is one subject the chat talks about.
type Topic struct {
	Label    string   `json:"label"`
	Keywords []string `json:"keywords"`
	// Share is the part of the messages on the topic, 0 to 1.
	Share    float64 `json:"share"`
	Messages []int64 `json:"messages"`
}

// Tone is the tone type's answer.
type Tone struct {
	// Overall is the chat's tone as a whole, one of Tones.
	Overall string     `json:"overall"`
	Pairs   []TonePair `json:"pairs"`
}

// TonePair is how one participant writes to another.
type TonePair struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Tone is one of Tones; Score runs from -1 (hostile) to 1 (warm).
	Tone     string  `json:"tone"`
	Score    float64 `json:"score"`
	Messages []int64 `json:"messages"`
}

// Tones are the tone labels, from the coldest.
var Tones = []string{"hostile", "tense", "neutral", "friendly", "warm"}

// ToneOf is the label of a score.
func ToneOf(score float64) string {
	switch {
	case score <= -0.6:
		return "hostile"
	case score <= -0.2:
		return "tense"
	case score < 0.2:
		return "neutral"
	case score < 0.6:
		return "friendly"
	}
	return "warm"
}

// Limits of an answer, which Validate enforces (and the local adapter
// writes within).
const (
	MaxSummaryChars = 2000
	MaxPointChars   = 400
	MaxPoints       = 10
	MaxCitations    = 5
	MaxTopics       = 10
	MaxKeywords     = 8
	MaxLabelChars   = 80
	MaxKeywordChars = 40
	MaxPairs        = 50
	// shareSumTolerance forgives shares that add up to a little over one
	// (a model's rounding).
	shareSumTolerance = 1.05
)

// scope is what an answer may name: the messages and the authors its
// prompt showed.
type scope struct {
	seqs    map[int64]bool
	authors map[string]bool
}

func newScope() scope { return scope{seqs: map[int64]bool{}, authors: map[string]bool{}} }

func (s scope) addLine(l Line) {
	s.seqs[l.Seq] = true
	s.authors[l.Author] = true
}

// InvalidError is an answer that does not validate; Problem says why, in
// words that quote nothing of the answer (it goes into the repair prompt
// and, as a class, into the insight).
type InvalidError struct{ Problem string }

func (e *InvalidError) Error() string { return "aiinsight: invalid answer: " + e.Problem }

func invalid(format string, args ...any) error {
	return &InvalidError{Problem: fmt.Sprintf(format, args...)}
}

// decodeStrict decodes one JSON object into v, refusing unknown members and
// anything after it. A model that wraps its JSON in a Markdown fence is
// forgiven the fence.
func decodeStrict(text string, v any) error {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, "```") {
		text = strings.TrimPrefix(text, "```json")
		text = strings.TrimPrefix(text, "```")
		text = strings.TrimSuffix(strings.TrimSpace(text), "```")
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalid("the answer is not one JSON object of the shape asked for (%s)", jsonProblem(err))
	}
	if dec.More() {
		return invalid("the answer has more after its JSON object")
	}
	return nil
}

// jsonProblem describes a decoding error without quoting the input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("a syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("the member %q has the wrong type", te.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "a member the shape does not have"
	}
	return "it ends early or is not JSON"
}

func checkText(what, s string, max int, required bool) error {
	switch {
	case strings.TrimSpace(s) == "" && required:
		return invalid("%s is empty", what)
	case utf8.RuneCountInString(s) > max:
		return invalid("%s is longer than %d characters", what, max)
	case !utf8.ValidString(s):
		return invalid("%s is not valid UTF-8", what)
	}
	return nil
}

func (s scope) checkCitations(what string, seqs []int64) error {
	if len(seqs) > MaxCitations {
		return invalid("%s cites more than %d messages", what, MaxCitations)
	}
	for _, q := range seqs {
		if !s.seqs[q] {
			return invalid("%s cites message %d, which the transcript does not hold", what, q)
		}
	}
	return nil
}

func (v *Summary) validate(s scope) error {
	if err := checkText("summary", v.Summary, MaxSummaryChars, true); err != nil {
		return err
	}
	if len(v.KeyPoints) == 0 || len(v.KeyPoints) > MaxPoints {
		return invalid("key_points must hold 1 to %d points, not %d", MaxPoints, len(v.KeyPoints))
	}
	for i, p := range v.KeyPoints {
		what := fmt.Sprintf("key point %d", i+1)
		if err := checkText(what, p.Text, MaxPointChars, true); err != nil {
			return err
		}
		if err := s.checkCitations(what, p.Messages); err != nil {
			return err
		}
	}
	return nil
}

func (v *Topics) validate(s scope) error {
	if len(v.Topics) == 0 || len(v.Topics) > MaxTopics {
		return invalid("topics must hold 1 to %d topics, not %d", MaxTopics, len(v.Topics))
	}
	sum := 0.0
	for i, t := range v.Topics {
		what := fmt.Sprintf("topic %d", i+1)
		if err := checkText(what+"'s label", t.Label, MaxLabelChars, true); err != nil {
			return err
		}
		if len(t.Keywords) == 0 || len(t.Keywords) > MaxKeywords {
			return invalid("%s must have 1 to %d keywords", what, MaxKeywords)
		}
		for _, k := range t.Keywords {
			if err := checkText(what+"'s keyword", k, MaxKeywordChars, true); err != nil {
				return err
			}
		}
		if math.IsNaN(t.Share) || t.Share < 0 || t.Share > 1 {
			return invalid("%s's share must be between 0 and 1", what)
		}
		sum += t.Share
		if err := s.checkCitations(what, t.Messages); err != nil {
			return err
		}
	}
	if sum > shareSumTolerance {
		return invalid("the topics' shares add up to more than 1")
	}
	return nil
}

func (v *Tone) validate(s scope) error {
	if !isTone(v.Overall) {
		return invalid("overall must be one of %s", strings.Join(Tones, ", "))
	}
	if len(v.Pairs) > MaxPairs {
		return invalid("pairs must hold at most %d pairs", MaxPairs)
	}
	seen := map[[2]string]bool{}
	for i, p := range v.Pairs {
		what := fmt.Sprintf("pair %d", i+1)
		if !s.authors[p.From] || !s.authors[p.To] {
			return invalid("%s names someone who does not write in the transcript", what)
		}
		if p.From == p.To {
			return invalid("%s names one participant twice", what)
		}
		if seen[[2]string{p.From, p.To}] {
			return invalid("%s repeats a pair", what)
		}
		seen[[2]string{p.From, p.To}] = true
		if !isTone(p.Tone) {
			return invalid("%s's tone must be one of %s", what, strings.Join(Tones, ", "))
		}
		if math.IsNaN(p.Score) || p.Score < -1 || p.Score > 1 {
			return invalid("%s's score must be between -1 and 1", what)
		}
		if err := s.checkCitations(what, p.Messages); err != nil {
			return err
		}
	}
	return nil
}

func isTone(s string) bool {
	for _, t := range Tones {
		if s == t {
			return true
		}
	}
	return false
}

// Validate decodes answer as the kind's shape and checks it against the
// prompt it answers: its citations and names must be ones the prompt's
// transcript (a map) or partial answers (a reduce) hold. It returns the
// decoded answer (*Summary, *Topics or *Tone); its error is an
// *InvalidError when the answer is at fault.
func Validate(kind, prompt, answer string) (any, error) {
	s, err := scopeOf(kind, prompt)
	if err != nil {
		return nil, err
	}
	v, err := newShape(kind)
	if err != nil {
		return nil, err
	}
	if err := decodeStrict(answer, v); err != nil {
		return nil, err
	}
	if err := v.validate(s); err != nil {
		return nil, err
	}
	return v, nil
}

type shape interface{ validate(scope) error }

func newShape(kind string) (shape, error) {
	switch kind {
	case KindSummary:
		return &Summary{}, nil
	case KindTopics:
		return &Topics{}, nil
	case KindTone:
		return &Tone{}, nil
	}
	return nil, fmt.Errorf("aiinsight: no kind %q", kind)
}

// scopeOf is what a prompt lets an answer name.
func scopeOf(kind, prompt string) (scope, error) {
	s := newScope()
	if !IsReduce(prompt) {
		lines, err := DecodeTranscript(prompt)
		if err != nil {
			return s, err
		}
		for _, l := range lines {
			s.addLine(l)
		}
		return s, nil
	}
	ps, err := DecodePartials(prompt)
	if err != nil {
		return s, err
	}
	for _, p := range ps {
		v, err := newShape(kind)
		if err != nil {
			return s, err
		}
		if err := json.Unmarshal(p.Result, v); err != nil {
			return s, fmt.Errorf("aiinsight: a partial answer does not decode: %w", err)
		}
		s.addNamed(v)
	}
	return s, nil
}

// addNamed adds what an answer names to the scope.
func (s scope) addNamed(v shape) {
	cite := func(seqs []int64) {
		for _, q := range seqs {
			s.seqs[q] = true
		}
	}
	switch v := v.(type) {
	case *Summary:
		for _, p := range v.KeyPoints {
			cite(p.Messages)
		}
	case *Topics:
		for _, t := range v.Topics {
			cite(t.Messages)
		}
	case *Tone:
		for _, p := range v.Pairs {
			cite(p.Messages)
			s.authors[p.From], s.authors[p.To] = true, true
		}
	}
}
