package aiinsight

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/chatlens/chatlens/core"
)

// The prompts' data blocks. A prompt carries the chat in a transcript
// block, one message a line, and a reduce prompt carries the answers it
// combines in a partials block, one JSON document a line. Both are plain
// enough for a model to read and exact enough for the local adapter to
// read back (DecodeTranscript, DecodePartials): the local adapter sees
// what a hosted model sees, and nothing more.
const (
	transcriptOpen  = "<transcript>"
	transcriptClose = "</transcript>"
	partialsOpen    = "<partials>"
	partialsClose   = "</partials>"
)

// Line is one message as a prompt shows it: its sequence number (what an
// answer cites), its author and its text on one line.
type Line struct {
	Seq    int64
	Author string
	Text   string
}

// lineOf returns the line of m, and false for a message that has no words
// of a participant to show (a notice, a deleted message, media without a
// caption).
func lineOf(m core.Message) (Line, bool) {
	if m.Author == "" || m.Kind == core.MessageSystem || m.Kind == core.MessageDeleted {
		return Line{}, false
	}
	text := strings.TrimSpace(m.Text)
	if text == "" {
		return Line{}, false
	}
	return Line{Seq: m.Seq, Author: flat(m.Author), Text: flat(text)}, true
}

// flat puts s on one line and keeps the block markers out of it: a
// message cannot end its transcript early.
var flatten = strings.NewReplacer("\r\n", " / ", "\n", " / ", "\r", " / ", "\t", " ",
	"\u2028", " / ", "\u2029", " / ", "<", "‹", ">", "›")

func flat(s string) string { return flatten.Replace(s) }

// String is the line as the transcript writes it: "#seq<TAB>author<TAB>text".
func (l Line) String() string {
	return "#" + strconv.FormatInt(l.Seq, 10) + "\t" + l.Author + "\t" + l.Text
}

// lineOverhead is the tokens a transcript line costs beyond its text's
// estimate: the newline, the tabs and a margin for the tokenizer's worst
// case on short lines.
const lineOverhead = 4

// Tokens is the line's cost in a prompt.
func (l Line) Tokens() int { return EstimateTokens(l.String()) + lineOverhead }

// transcript writes lines as a transcript block.
func transcript(lines []Line) string {
	var b strings.Builder
	b.WriteString(transcriptOpen + "\n")
	for _, l := range lines {
		b.WriteString(l.String())
		b.WriteByte('\n')
	}
	b.WriteString(transcriptClose)
	return b.String()
}

// DecodeTranscript reads the transcript block of a prompt back into its
// lines.
func DecodeTranscript(prompt string) ([]Line, error) {
	body, err := block(prompt, transcriptOpen, transcriptClose)
	if err != nil {
		return nil, err
	}
	var lines []Line
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 0, 64*1024), len(body)+1)
	for sc.Scan() {
		t := sc.Text()
		if t == "" {
			continue
		}
		seq, rest, ok1 := strings.Cut(strings.TrimPrefix(t, "#"), "\t")
		author, text, ok2 := strings.Cut(rest, "\t")
		n, err := strconv.ParseInt(seq, 10, 64)
		if !ok1 || !ok2 || err != nil || !strings.HasPrefix(t, "#") {
			return nil, fmt.Errorf("aiinsight: a transcript line is not #seq<TAB>author<TAB>text")
		}
		lines = append(lines, Line{Seq: n, Author: author, Text: text})
	}
	return lines, sc.Err()
}

// Partial is one answer a reduce prompt combines: how many messages it
// read, and what it said (a Summary, Topics or Tone).
type Partial struct {
	Messages int             `json:"messages"`
	Result   json.RawMessage `json:"result"`
}

// partials writes answers as a partials block.
func partials(ps []Partial) (string, error) {
	var b strings.Builder
	b.WriteString(partialsOpen + "\n")
	for _, p := range ps {
		line, err := json.Marshal(p)
		if err != nil {
			return "", fmt.Errorf("aiinsight: encoding a partial answer: %w", err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	b.WriteString(partialsClose)
	return b.String(), nil
}

// DecodePartials reads the partials block of a prompt back.
func DecodePartials(prompt string) ([]Partial, error) {
	body, err := block(prompt, partialsOpen, partialsClose)
	if err != nil {
		return nil, err
	}
	var ps []Partial
	for t := range strings.Lines(body) {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		var p Partial
		if err := json.Unmarshal([]byte(t), &p); err != nil {
			return nil, fmt.Errorf("aiinsight: a partials line is not JSON: %w", err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// IsReduce reports whether a prompt's data is partial answers (a reduce)
// rather than a transcript (a map): whichever block comes last, as a
// repair prompt quotes an answer before the request it repeats.
func IsReduce(prompt string) bool {
	return strings.LastIndex(prompt, partialsOpen+"\n") > strings.LastIndex(prompt, transcriptOpen+"\n")
}

var errNoBlock = errors.New("aiinsight: the prompt has no such block")

// block returns what lies between the last open marker and the close
// marker after it (the data blocks come after a prompt's instructions).
func block(prompt, open, close string) (string, error) {
	i := strings.LastIndex(prompt, open+"\n")
	if i < 0 {
		return "", errNoBlock
	}
	rest := prompt[i+len(open)+1:]
	j := strings.Index(rest, close)
	if j < 0 {
		return "", errNoBlock
	}
	return rest[:j], nil
}
