package chatstats

import "unicode/utf8"

// emojiBases are the ranges of Unicode's Extended_Pictographic property
// (emoji-data.txt, Unicode 15), the characters an emoji sequence starts
// with. Those below U+2300 (©, ®, ‼, ™, arrows …) are common in plain text,
// so they count as emoji only with the emoji presentation selector U+FE0F
// after them.
var emojiBases = [][2]rune{
	{0x00A9, 0x00A9}, {0x00AE, 0x00AE}, {0x203C, 0x203C}, {0x2049, 0x2049},
	{0x2122, 0x2122}, {0x2139, 0x2139}, {0x2194, 0x2199}, {0x21A9, 0x21AA},
	{0x231A, 0x231B}, {0x2328, 0x2328}, {0x2388, 0x2388}, {0x23CF, 0x23CF},
	{0x23E9, 0x23F3}, {0x23F8, 0x23FA}, {0x24C2, 0x24C2}, {0x25AA, 0x25AB},
	{0x25B6, 0x25B6}, {0x25C0, 0x25C0}, {0x25FB, 0x25FE}, {0x2600, 0x2605},
	{0x2607, 0x2612}, {0x2614, 0x2685}, {0x2690, 0x2705}, {0x2708, 0x2712},
	{0x2714, 0x2714}, {0x2716, 0x2716}, {0x271D, 0x271D}, {0x2721, 0x2721},
	{0x2728, 0x2728}, {0x2733, 0x2734}, {0x2744, 0x2744}, {0x2747, 0x2747},
	{0x274C, 0x274C}, {0x274E, 0x274E}, {0x2753, 0x2755}, {0x2757, 0x2757},
	{0x2763, 0x2767}, {0x2795, 0x2797}, {0x27A1, 0x27A1}, {0x27B0, 0x27B0},
	{0x27BF, 0x27BF}, {0x2934, 0x2935}, {0x2B05, 0x2B07}, {0x2B1B, 0x2B1C},
	{0x2B50, 0x2B50}, {0x2B55, 0x2B55}, {0x3030, 0x3030}, {0x303D, 0x303D},
	{0x3297, 0x3297}, {0x3299, 0x3299}, {0x1F000, 0x1F0FF}, {0x1F10D, 0x1F10F},
	{0x1F12F, 0x1F12F}, {0x1F16C, 0x1F171}, {0x1F17E, 0x1F17F}, {0x1F18E, 0x1F18E},
	{0x1F191, 0x1F19A}, {0x1F1AD, 0x1F1E5}, {0x1F201, 0x1F20F}, {0x1F21A, 0x1F21A},
	{0x1F22F, 0x1F22F}, {0x1F232, 0x1F23A}, {0x1F23C, 0x1F23F}, {0x1F249, 0x1F3FA},
	{0x1F400, 0x1F53D}, {0x1F546, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F774, 0x1F77F},
	{0x1F7D5, 0x1F7FF}, {0x1F80C, 0x1F80F}, {0x1F848, 0x1F84F}, {0x1F85A, 0x1F85F},
	{0x1F888, 0x1F88F}, {0x1F8AE, 0x1F8FF}, {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945},
	{0x1F947, 0x1FAFF}, {0x1FC00, 0x1FFFD},
}

// Characters that extend or join an emoji.
const (
	emojiVS15        = 0xFE0E // text presentation
	emojiVS16        = 0xFE0F // emoji presentation
	emojiZWJ         = 0x200D
	emojiKeycap      = 0x20E3
	emojiToneFirst   = 0x1F3FB
	emojiToneLast    = 0x1F3FF
	emojiTagFirst    = 0xE0020
	emojiTagLast     = 0xE007F
	regionalFirst    = 0x1F1E6
	regionalLast     = 0x1F1FF
	emojiTextStyleTo = 0x2300 // bases below need U+FE0F to count
)

func isEmojiBase(r rune) bool {
	if r < 0xA9 {
		return false
	}
	lo, hi := 0, len(emojiBases) // the first range ending at or after r
	for lo < hi {
		if m := int(uint(lo+hi) >> 1); emojiBases[m][1] < r {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(emojiBases) && emojiBases[lo][0] <= r
}

// emojiAt reads the emoji sequence that starts at text[i] with rune r of
// n bytes, if one does: a base with its modifiers (skin tones, tags, keycap)
// and the bases joined to it by U+200D, or a pair of regional indicators (a
// flag). It appends the sequence to key without variation selectors, so
// that "❤️" and "❤" are one emoji, and returns the end of the sequence.
func emojiAt(text string, i int, r rune, n int, key []byte) (end int, _ []byte, ok bool) {
	end = i + n
	if r >= regionalFirst && r <= regionalLast {
		key = utf8.AppendRune(key, r)
		if r2, n2 := utf8.DecodeRuneInString(text[end:]); r2 >= regionalFirst && r2 <= regionalLast {
			key = utf8.AppendRune(key, r2)
			end += n2
		}
		return end, key, true
	}
	if !isEmojiBase(r) {
		return i, key, false
	}
	if r < emojiTextStyleTo {
		if r2, _ := utf8.DecodeRuneInString(text[end:]); r2 != emojiVS16 {
			return i, key, false
		}
	}
	key = utf8.AppendRune(key, r)
	for end < len(text) {
		r2, n2 := utf8.DecodeRuneInString(text[end:])
		switch {
		case r2 == emojiVS15 || r2 == emojiVS16:
		case r2 >= emojiToneFirst && r2 <= emojiToneLast, r2 >= emojiTagFirst && r2 <= emojiTagLast, r2 == emojiKeycap:
			key = utf8.AppendRune(key, r2)
		case r2 == emojiZWJ:
			r3, n3 := utf8.DecodeRuneInString(text[end+n2:])
			if !isEmojiBase(r3) {
				return end, key, true
			}
			key = utf8.AppendRune(utf8.AppendRune(key, r2), r3)
			n2 += n3
		default:
			return end, key, true
		}
		end += n2
	}
	return end, key, true
}

// keycapAt reports the length of a keycap emoji ("1️⃣": a digit, # or *,
// an optional U+FE0F, U+20E3) at text[i], or 0.
func keycapAt(text string, i int) int {
	j := i + 1
	if len(text) >= j+3 && text[j:j+3] == "\uFE0F" {
		j += 3
	}
	if len(text) >= j+3 && text[j:j+3] == "\u20E3" {
		return j + 3 - i
	}
	return 0
}
