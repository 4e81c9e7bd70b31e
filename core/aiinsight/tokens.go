package aiinsight

import "unicode/utf8"

// EstimateTokens is how many tokens s may take in a model's tokenizer, on
// the high side, so a prompt planned by it fits. Byte-level BPE
// tokenizers (GPT's, Llama's, Qwen's, Mistral's) never spend more than one
// token per byte and spend far fewer on ASCII words; so an ASCII byte counts
// a third of a token (English runs at about a quarter) and every byte of a
// non-ASCII character a whole one (CJK runs at one or two tokens per
// three-byte character, emoji at two to four per four bytes). Text of
// punctuation alone can beat the ASCII ratio; the per-line overhead of the
// transcript and the margin in Budget absorb it.
func EstimateTokens(s string) int {
	ascii, other := 0, 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			ascii++
			i++
			continue
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		other += n
		i += n
	}
	return (ascii+2)/3 + other
}

// cutToTokens returns the longest prefix of s, cut at a rune boundary,
// whose estimate is at most n tokens, and whether it cut anything.
func cutToTokens(s string, n int) (string, bool) {
	if EstimateTokens(s) <= n {
		return s, false
	}
	ascii, other := 0, 0
	for i := 0; i < len(s); {
		w := 1
		if s[i] >= utf8.RuneSelf {
			_, w = utf8.DecodeRuneInString(s[i:])
		}
		a, o := ascii, other
		if w == 1 {
			a++
		} else {
			o += w
		}
		if (a+2)/3+o > n {
			return s[:i], true
		}
		ascii, other = a, o
		i += w
	}
	return s, false
}
