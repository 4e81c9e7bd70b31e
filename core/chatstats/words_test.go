package chatstats

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chatlens/chatlens/core"
)

// oneText returns the statistics of one author's one message.
func oneText(t *testing.T, text string, langs ...string) Author {
	t.Helper()
	s := New(Options{Languages: langs, TopWords: 20, TopEmoji: 20})
	s.Add(&core.Message{Seq: 1, Author: "Ann", Kind: core.MessageText, Text: text,
		Local: time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)})
	r := s.Result()
	if len(r.Authors) != 1 {
		t.Fatalf("%d authors", len(r.Authors))
	}
	return r.Authors[0]
}

func texts(cs []Count) []string {
	out := []string{}
	for _, c := range cs {
		for range c.Count {
			out = append(out, c.Text)
		}
	}
	slices.Sort(out)
	return out
}

func TestWordsAndEmoji(t *testing.T) {
	for _, c := range []struct {
		name, text string
		langs      []string
		words      int
		top        []string // each occurrence, sorted
		emoji      []string
	}{
		{"plain", "Hello world", []string{"en"}, 2, []string{"hello", "world"}, nil},
		{"stop words", "the cat and the hat", []string{"en"}, 5, []string{"cat", "hat"}, nil},
		{"contraction is one word, its parts are stop words", "don't stop", []string{"en"}, 2, []string{"stop"}, nil},
		{"smart apostrophe", "don’t stop", []string{"en"}, 2, []string{"stop"}, nil},
		{"elision", "l'amico è qui", []string{"it"}, 3, []string{"amico", "qui"}, nil},
		{"hyphen joins", "e-mail me", []string{"en"}, 2, []string{"e", "mail"}, nil},
		{"trailing apostrophe", "dogs' bowl", []string{"en"}, 2, []string{"bowl", "dogs"}, nil},
		{"url counts once", "see https://example.com/a?b=c now", []string{"fr"}, 3, []string{"now", "see"}, nil},
		{"case and width fold", "ＨＥＬＬＯ hello Hello 𝐡𝐞𝐥𝐥𝐨", []string{"en"}, 4, []string{"hello", "hello", "hello", "hello"}, nil},
		{"combining accent", "cafe\u0301 café CAFÉ", []string{"fr"}, 3, []string{"café", "café", "café"}, nil},
		{"numbers are words, not top words", "123 4,5 room 101", []string{"en"}, 5, []string{"room"}, nil},
		{"emoji are not words", "😂😂 ok 👍🏽 ❤️ ❤", []string{"en"}, 1, []string{"ok"}, []string{"❤", "❤", "👍🏽", "😂", "😂"}},
		{"emoji glued to a word", "ok😂ok", []string{"en"}, 2, []string{"ok", "ok"}, []string{"😂"}},
		{"zwj sequence", "👨‍👩‍👧 family", []string{"en"}, 1, []string{"family"}, []string{"👨‍👩‍👧"}},
		{"flags", "🇩🇪🇫🇷", nil, 0, []string{}, []string{"🇩🇪", "🇫🇷"}},
		{"keycap", "1️⃣ #️⃣ 2", []string{"en"}, 1, []string{}, []string{"#⃣", "1⃣"}},
		{"text symbols need VS16", "© 2024 ™ ©️", []string{"en"}, 1, []string{}, []string{"©"}},
		{"japanese by script runs", "今日は雨です", []string{"ja"}, 6, []string{"今日", "雨"}, nil},
		{"kana word", "ありがとう", []string{"ja"}, 5, []string{"ありがとう"}, nil},
		{"katakana with long mark", "コーヒー飲みたい", []string{"ja"}, 8, []string{"みたい", "コーヒー", "飲"}, nil},
		{"half-width katakana folds", "ｺｰﾋｰ", []string{"ja"}, 4, []string{"コーヒー"}, nil},
		{"long han run is no top word", "我今天很高兴见到你", []string{"zh"}, 9, []string{}, nil},
		{"short han run", "谢谢 谢谢", []string{"zh"}, 4, []string{"谢谢", "谢谢"}, nil},
		{"thai run is one word", "สวัสดี ครับ", nil, 2, []string{"ครับ", "สวัสดี"}, nil},
		{"cyrillic", "Привет привет и всё", []string{"ru"}, 4, []string{"всё", "привет", "привет"}, nil},
		{"hangul", "안녕하세요 그리고 안녕", []string{"ko"}, 3, []string{"안녕", "안녕하세요"}, nil},
		{"arabic", "مرحبا في البيت", []string{"ar"}, 3, []string{"البيت", "مرحبا"}, nil},
		{"punctuation only", "... !!! ???", nil, 0, []string{}, nil},
		{"long words, any case", "INTERNATIONALIZATION internationalization Straßenbahn STRASSENBAHN", []string{"en"}, 4,
			[]string{"internationalization", "internationalization", "strassenbahn", "straßenbahn"}, nil},
		{"accents, any case", "Für für FÜR fÜr caféS Über", []string{"en"}, 6,
			[]string{"cafés", "für", "für", "für", "für", "über"}, nil},
		{"latin and han in one run", "iPhone買った", []string{"ja"}, 4, []string{"iphone", "った", "買"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := oneText(t, c.text, c.langs...)
			if a.Words != c.words {
				t.Errorf("words = %d, want %d", a.Words, c.words)
			}
			if got := texts(a.TopWords); !slices.Equal(got, c.top) {
				t.Errorf("top words = %q, want %q", got, c.top)
			}
			wantEmoji := c.emoji
			if wantEmoji == nil {
				wantEmoji = []string{}
			}
			if got := texts(a.TopEmoji); !slices.Equal(got, wantEmoji) {
				t.Errorf("emoji = %q, want %q", got, wantEmoji)
			}
			if a.Emoji != len(wantEmoji) {
				t.Errorf("emoji count = %d, want %d", a.Emoji, len(wantEmoji))
			}
		})
	}
}

func TestBMPClasses(t *testing.T) {
	table := buildBMPClasses()
	var f folder
	for r := range rune(0x10000) {
		if got, want := table[r]&^classFolds, classify(r); got != want {
			t.Errorf("class of %U: table %d, classify %d", r, got, want)
		}
		folds := string(f.fold(string(r))) != string(r)
		if flagged := table[r]&classFolds != 0; r >= 0x80 && folds && !flagged {
			t.Errorf("%U: folds to %q, not flagged", r, f.fold(string(r)))
		}
		if r >= 0x80 && unicode.ToLower(r) != r && table[r]&classFolds == 0 {
			t.Errorf("%U: has a lower case, not flagged", r)
		}
	}
}

// TestKanaHanClass holds the run loops' character classes (kanaHanClass,
// and class3 on a load of four bytes) to runeClass: every valid character
// of three bytes gets its class, whatever byte follows it; a sequence of
// three bytes that is no valid character (an overlong form, a surrogate, a
// byte out of place, a text too short) gets a class that continues no run.
func TestKanaHanClass(t *testing.T) {
	bmp := bmpClasses()
	runs := runClasses(classHan) | runClasses(classHiragana) | runClasses(classKatakana)
	load4 := func(s string) uint32 {
		return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
	}
	for b0 := 0xE0; b0 <= 0xEF; b0++ {
		for b1 := range 0x100 {
			for _, b2 := range []int{0x00, 0x41, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xE3, 0xFF} {
				s := string([]byte{byte(b0), byte(b1), byte(b2)})
				r, n := utf8.DecodeRuneInString(s)
				got, got4 := kanaHanClass(bmp, s, 0), class3(bmp, load4(s+"\xE3"))
				if got != got4 {
					t.Fatalf("% x: kanaHanClass %d, class3 of four bytes %d", s, got, got4)
				}
				if r != utf8.RuneError && n == 3 {
					if want := runeClass(r); got != want {
						t.Fatalf("%U: kanaHanClass %d, runeClass %d", r, got, want)
					}
				} else if runs>>(got&15)&1 != 0 {
					t.Fatalf("% x, no character: class %d continues a run", s, got)
				}
				if kanaHanClass(bmp, s[:2], 0) != classSep || kanaHanClass(bmp, s, 1) != classSep {
					t.Fatalf("% x: a class past the end of the text", s)
				}
			}
		}
	}
}

// TestFastPathsAgreeWithTheGeneralOne holds scanText's shortcuts (asciiWords
// and asciiRun, kanaHanWord, the lone emoji) to its general loop: random
// texts made of the pieces either path treats apart give the same Result
// with the shortcuts on and off. Small top lists make the counters evict
// and reorder, where asciiRun leaves a word to the general path.
func TestFastPathsAgreeWithTheGeneralOne(t *testing.T) {
	pieces := []string{
		"ok", "OK", "Hello", "hello", "the", "and", "don't", "e-mail", "dogs'", "123", "4", "a", "iPhone",
		"internationalization", "ABCDEFGHIJ", "x1", "1x",
		"abcdefghi", "abcdefghij", "Abcdefghij", "abcdefghijklmnop", "abcdefghijklmnopq", "abcdefghijklmno1",
		" ", " ", " ", "  ", ".", ",", ":", "://x.y/z", "#", "*", "-", "'", "\n", "\t",
		"1️⃣", "#️⃣", "😂", "😂", "👍🏽", "❤️", "❤", "🇩🇪", "👨‍👩‍👧", "©️", "😂ok",
		"é", "É", "café", "Straße", "Für", "für", "FÜR", "über", "Über", "ÜBER", "straße", "GRÖSSE", "Größe",
		"naïve", "ab×cd", "x÷y", "×", "÷", "ÿ", "Þ", "þ", "Ä", "abcdefgä", "abcdefä", "abcdeää", "aÿ", "aß", "aµ", "aª",
		"Привет", "привет", "ＯＫ", "ｗｗｗ", "ｺｰﾋｰ", "𝐡𝐞𝐥𝐥𝐨",
		"今日", "は", "雨", "ありがとう", "コーヒー", "ー", "晩ご飯", "々", "谢谢", "我今天很高兴见到你",
		"コ", "ご", "飯", "ﾟ", "スーパーマーケット", "株式会社",
		"สวัสดี", "안녕", "\u0301", "\u200d", "’", "\u3000", "。", "、",
		"\xff", "\xe3\x81", "\xed\xa0\x80", "\xe0\x80\x80", "\xe3", "\x80",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 600 {
		// Half the rounds draw from a few pieces, spaced, so that words
		// come back and the shortcuts find them in the tables.
		vocab, sep := pieces, ""
		if round%2 == 1 {
			vocab, sep = make([]string, 2+rng.IntN(8)), " "
			for k := range vocab {
				vocab[k] = pieces[rng.IntN(len(pieces))]
			}
		}
		msgs := make([]core.Message, 1+rng.IntN(40))
		for k := range msgs {
			var b strings.Builder
			for range 1 + rng.IntN(16) {
				b.WriteString(vocab[rng.IntN(len(vocab))])
				b.WriteString(sep)
			}
			msgs[k] = core.Message{Seq: int64(k + 1), Author: []string{"Ann", "Bo"}[rng.IntN(2)],
				Kind: core.MessageText, Text: b.String(),
				Local: time.Date(2024, 1, 15, 10, k, 0, 0, time.UTC)}
		}
		run := func(fast bool) Result {
			fastPaths = fast
			defer func() { fastPaths = true }()
			// Every other pair of rounds, a vocabulary of four words
			// leaves the rest to the top counters.
			s := New(Options{TopWords: 4, TopEmoji: 3, ChatWords: []int{4, 4096}[round/2%2], WordSlots: 6, EmojiSlots: 4})
			for _, m := range msgs {
				s.Add(&m)
			}
			return s.Result()
		}
		if fast, general := run(true), run(false); !reflect.DeepEqual(fast, general) {
			for _, m := range msgs {
				t.Logf("%q", m.Text)
			}
			t.Fatalf("round %d: with the fast paths\n%+v\nwithout\n%+v", round, fast.Authors, general.Authors)
		}
	}
}

// FuzzFastPaths feeds any text, cut into messages at line ends that two
// authors each send twice so that their words come back, with scanText's
// shortcuts on and off, with few word slots and many: neither may panic, and
// both must give the same Result.
func FuzzFastPaths(f *testing.F) {
	for _, seed := range []string{
		"ok ok OK Hello hello", "für Für FÜR Straße straße GRÖSSE", "ab×cd x÷y aß aÿ",
		"今日は雨です 今日 ありがとう\nコーヒー飲みたい ｺｰﾋｰ", "😂 ok😂ok 👍🏽 ❤️ 🇩🇪🇫🇷 👨‍👩‍👧",
		"1️⃣ #️⃣ 2 see https://example.com/a?b=c now", "don't e-mail dogs' l'amico",
		"ＯＫ ｗｗｗ 𝐡𝐞𝐥𝐥𝐨 cafe\u0301 café", "\xff\xe3\x81 \xed\xa0\x80 \xe0\x80\x80 ok",
		"สวัสดี ครับ 안녕 Привет", "abcdefgä abcdefä abcdeää",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		lines := strings.Split(text, "\n")
		run := func(fast bool, words, slots int) Result {
			fastPaths = fast
			defer func() { fastPaths = true }()
			s := New(Options{TopWords: 4, TopEmoji: 3, ChatWords: words, WordSlots: slots, EmojiSlots: 4})
			for k := range 4 * len(lines) { // each author says every line twice
				m := core.Message{Seq: int64(k + 1), Author: []string{"Ann", "Bo"}[k/(2*len(lines))],
					Kind: core.MessageText, Text: lines[k%len(lines)],
					Local: time.Date(2024, 1, 15, 10, k%60, 0, 0, time.UTC)}
				s.Add(&m)
			}
			return s.Result()
		}
		// A small vocabulary and few slots make the top counters
		// evict and reorder; a large one keeps every word, which the
		// shortcuts then find.
		for _, size := range [][2]int{{4, 6}, {4096, 512}} {
			if fast, general := run(true, size[0], size[1]), run(false, size[0], size[1]); !reflect.DeepEqual(fast, general) {
				t.Fatalf("vocabulary %d, %d slots: with the fast paths\n%+v\nwithout\n%+v", size[0], size[1], fast.Authors, general.Authors)
			}
		}
	})
}
