package chatparse

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
)

// containsAnyLowered is what phraseSet.in must answer: the text lowered,
// then searched for each phrase.
func containsAnyLowered(text string, phrases []string) bool {
	lower := strings.ToLower(text)
	for _, p := range phrases {
		if strings.Contains(lower, p) {
			return true
		}
	}
	return false
}

// TestPhraseSetAgreesWithLowering checks the byte filter never rules out a
// text that holds a phrase: every phrase of the tables in its lower, upper
// and title case and in random mixes of its runes' case forms (U+0130 for
// "i" included), alone and inside other text, and texts that hold none.
func TestPhraseSetAgreesWithLowering(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for name, list := range map[string][]string{
		"system": waSystemPhrases, "subjects": waSystemSubjects, "encryption": waEncryptionPhrases,
		"short": {"ab", "xyz"}, "turkish": {"il", "şifreli"},
	} {
		set := newPhraseSet(list)
		check := func(text string) {
			t.Helper()
			if got, want := set.in(text), containsAnyLowered(text, list); got != want {
				t.Fatalf("%s: in(%q) = %v, want %v", name, text, got, want)
			}
		}
		for _, p := range list {
			for _, form := range []string{p, strings.ToUpper(p), strings.ToTitle(p), mixCase(rng, p)} {
				check(form)
				check("x " + form + " y")
				check("日本語の" + form)
				check(form[:len(form)/2])
			}
		}
		for range 2000 {
			check(randomText(rng))
		}
	}
}

// mixCase gives each rune of s one of its case forms at random.
func mixCase(rng *rand.Rand, s string) string {
	var b strings.Builder
	for _, r := range s {
		forms := caseForms(r)
		b.WriteRune(forms[rng.IntN(len(forms))])
	}
	return b.String()
}

func randomText(rng *rand.Rand) string {
	alphabet := []rune("aAbBeEiIİıoOnN -ñÑüÜçÇşŞ日本語メッセージエンドツーエンド암호화端到加密مشفرةКкЛл")
	var b strings.Builder
	for range rng.IntN(40) {
		b.WriteRune(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

// TestCaseFormsLowerToTheirRune checks caseForms holds every rune that
// lowers to r, for the runes the tables use.
func TestCaseFormsLowerToTheirRune(t *testing.T) {
	want := map[rune][]rune{}
	for u := rune(0); u <= unicode.MaxRune; u++ {
		if l := unicode.ToLower(u); l != u {
			want[l] = append(want[l], u)
		}
	}
	for l, us := range want {
		forms := caseForms(l)
		for _, u := range us {
			if !containsRune(forms, u) {
				t.Errorf("caseForms(%q) = %q lacks %q, which lowers to it", l, forms, u)
			}
		}
	}
}

func containsRune(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}
