package local

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chatlens/chatlens/core/aiinsight"
)

// corpus is a list of texts as the terms topics and summaries weigh: words
// of three letters or more that are not function words, numbers or the
// participants' names, and character bigrams of Chinese and Japanese.
// Term ids are given in order of first use, so everything indexed by them
// is in an order fixed by the input alone.
type corpus struct {
	vocab []string
	docs  [][]int32 // per text, its terms in text order, repeats kept
}

// termRules say which words make terms.
type termRules struct {
	langs uint32          // the stop lists that apply (languages)
	names map[string]bool // the words of the participants' names
	// relaxed keeps stop words, short words and numbers: the fallback for
	// a text that has nothing else.
	relaxed bool
	// japanese is set for a text with kana in it.
	japanese bool
}

// nameWords are the words of the participants' names, lower-cased: a topic
// is never a name, and a name says nothing of what a sentence is about.
func nameWords(authors []string) map[string]bool {
	m := map[string]bool{}
	for _, a := range authors {
		for _, t := range tokens(nil, lower(a)) {
			m[t.text] = true
		}
	}
	return m
}

// analyse makes the corpus of texts.
func analyse(ctx context.Context, texts []string, names map[string]bool, relaxed bool) (*corpus, error) {
	t := ticker{ctx: ctx}
	toks := make([][]token, len(texts))
	for i, s := range texts {
		if err := t.tick(); err != nil {
			return nil, err
		}
		toks[i] = tokens(nil, lower(clean(s)))
	}
	rules := termRules{names: names, relaxed: relaxed}
	rules.langs = languages(func(yield func(string) bool) {
		for _, ts := range toks {
			for _, tk := range ts {
				if tk.class == classWord && !yield(tk.text) {
					return
				}
			}
		}
	})
	c := &corpus{docs: make([][]int32, len(texts))}
	ids := map[string]int32{}
	for i, ts := range toks {
		if err := t.tick(); err != nil {
			return nil, err
		}
		var doc []int32
		// Kana make a text Japanese, where a lone kanji is mostly the stem
		// of a verb or an adjective ("楽" of 楽しい), not a word.
		rules.japanese = slices.ContainsFunc(ts, func(tk token) bool {
			return tk.class == classHiragana || tk.class == classKatakana
		})
		for _, tk := range ts {
			rules.terms(tk, func(term string) {
				id, ok := ids[term]
				if !ok {
					id = int32(len(c.vocab))
					ids[term] = id
					c.vocab = append(c.vocab, term)
				}
				doc = append(doc, id)
			})
		}
		c.docs[i] = doc
	}
	return c, nil
}

// hanBreaks are Chinese function characters: a bigram across one ("们明"
// in "我们明天") is no word, so Han runs are cut at them first.
const hanBreaks = "的了是在和也都就不吗嗎呢吧啊哦嗯很我你他她它这這那们們个個"

// terms calls emit with the terms of a token.
func (r *termRules) terms(tk token, emit func(string)) {
	switch tk.class {
	case classWord:
		for part := range strings.SplitSeq(tk.text, "'") {
			if term, ok := r.word(part); ok {
				emit(term)
			}
		}
	case classHan:
		start := 0
		s := tk.text
		for i, c := range s {
			if !r.relaxed && strings.ContainsRune(hanBreaks, c) {
				r.bigrams(s[start:i], emit)
				start = i + utf8.RuneLen(c)
			}
		}
		r.bigrams(s[start:], emit)
	case classKatakana:
		n := utf8.RuneCountInString(tk.text)
		if n >= 2 && n <= aiinsight.MaxKeywordChars && strings.Trim(tk.text, "ー") != "" && !r.stop(tk.text) && !feeling(tk.text) {
			emit(tk.text)
		}
	case classHiragana:
		// Hiragana is mostly the grammar around kanji and katakana words.
		if r.relaxed {
			r.bigrams(tk.text, emit)
		}
	}
}

// bigrams emits the character bigrams of a run, or the run itself when it
// is one character.
func (r *termRules) bigrams(s string, emit func(string)) {
	if s == "" {
		return
	}
	if _, w := utf8.DecodeRuneInString(s); w == len(s) {
		if (r.relaxed || !r.japanese) && !r.stop(s) && !feeling(s) {
			emit(s)
		}
		return
	}
	for i := 0; i < len(s); {
		_, w1 := utf8.DecodeRuneInString(s[i:])
		if i+w1 >= len(s) {
			break
		}
		_, w2 := utf8.DecodeRuneInString(s[i+w1:])
		if b := s[i : i+w1+w2]; !r.stop(b) && !feeling(b) {
			emit(b)
		}
		i += w1
	}
}

// feeling reports whether a CJK term is, or is part of, or holds, a word
// of the sentiment lexicon ("最悪", "大嫌" of 大嫌い, "재미있었어요"):
// how the chat feels (tone), not what it is about. Relaxed rules never ask.
func feeling(term string) bool {
	l := lexiconIndex()
	if l.cjkParts[term] {
		return true
	}
	for i := range term {
		if e, ok := l.matchCJK(term, i); ok && e.pol != 0 {
			return true
		}
	}
	return false
}

func (r *termRules) stop(s string) bool {
	return !r.relaxed && stopWords()[s]&r.langs != 0
}

// word returns the term a word of a spaced script makes, if any.
func (r *termRules) word(w string) (string, bool) {
	if w == "" || r.names[w] {
		return "", false
	}
	if r.relaxed {
		return w, true
	}
	letters, digits, hangul, runes := 0, 0, false, 0
	for _, c := range w {
		runes++
		switch {
		// A vowel sign of Devanagari or Arabic counts as a letter: "मैच"
		// (match) is two consonants and a vowel.
		case unicode.IsLetter(c), unicode.IsMark(c):
			letters++
			hangul = hangul || isHangul(c)
		case unicode.IsDigit(c):
			digits++
		}
	}
	if hangul {
		w = stripParticle(w)
		letters = utf8.RuneCountInString(w)
	}
	switch {
	case runes > aiinsight.MaxKeywordChars, digits > 0 && digits >= letters:
		return "", false
	case hangul && letters < 2, !hangul && letters < 3:
		return "", false
	case r.stop(w), r.names[w], isLaughter(w):
		return "", false
	case lexiconIndex().words[w] != 0, hangul && feeling(w):
		// "great", "hate": how the chat feels (tone), not what about.
		return "", false
	}
	return w, true
}

// koreanParticles are the commonest particles written onto Korean nouns
// ("축구를" is "축구" and an object marker), longest first; single
// syllables that often end nouns themselves (이, 가, 의, 에) are left out.
var koreanParticles = []string{"에서는", "에게서", "에서", "에게", "한테", "으로", "까지", "부터", "처럼", "보다", "이랑", "하고", "이나", "은", "는", "을", "를", "도"}

func stripParticle(w string) string {
	for _, p := range koreanParticles {
		if rest, ok := strings.CutSuffix(w, p); ok && utf8.RuneCountInString(rest) >= 2 {
			return rest
		}
	}
	return w
}

// isLaughter reports words like "haha", "jajaja", "hehe", "wkwk", "kkkk",
// "хаха": four letters or more, at most two distinct ones, all of them
// letters laughter is written with ("mama" is no laughter).
func isLaughter(w string) bool {
	var a, b rune
	n := 0
	for _, c := range w {
		n++
		if !strings.ContainsRune("aehijkowxха", c) {
			return false
		}
		switch {
		case a == 0 || c == a:
			a = c
		case b == 0 || c == b:
			b = c
		default:
			return false
		}
	}
	return n >= 4
}
