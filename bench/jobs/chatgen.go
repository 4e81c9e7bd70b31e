package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// The chats the insights are made of: small WhatsApp Android (en_US)
// exports, as bench/parse/gen's android12 shape writes them (month first,
// 12-hour clock with U+202F before AM/PM), generated here so that each
// seed is a file of its own (a user's second upload of one file is the
// same chat).

var (
	chatAuthors = []string{"Ada", "Grace", "Linus", "Margaret", "Tom"}
	chatWords   = strings.Fields("ok yes no see you tomorrow lunch call later thanks great where when home work " +
		"train late sorry good night morning photo plan weekend coffee meeting soon haha 👍 ❤️ what time are we leaving")
)

// smallChat returns an export of n messages among five people over some
// weeks: bursts of replies minutes apart, silences of hours to days, so
// that every statistical generator has something to say.
func smallChat(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0x6a6f6273))
	t := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(seed%500) * time.Hour)
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n", stamp(t))
	author := r.IntN(len(chatAuthors))
	for range n {
		switch x := r.IntN(100); {
		case x < 75:
			t = t.Add(time.Duration(r.IntN(10)) * time.Minute)
		case x < 95:
			t = t.Add(time.Duration(30+r.IntN(300)) * time.Minute)
		default:
			t = t.Add(time.Duration(24+r.IntN(72)) * time.Hour)
		}
		if r.IntN(3) > 0 { // most messages answer someone else
			author = (author + 1 + r.IntN(len(chatAuthors)-1)) % len(chatAuthors)
		}
		words := make([]string, 1+r.IntN(12))
		for i := range words {
			words[i] = chatWords[r.IntN(len(chatWords))]
		}
		fmt.Fprintf(&b, "%s - %s: %s\n", stamp(t), chatAuthors[author], strings.Join(words, " "))
	}
	return b.Bytes()
}

func stamp(t time.Time) string { return t.Format("1/2/06, 3:04\u202fPM") }
