// Command gen writes a deterministic WhatsApp Android export (en_US: month
// first, two-digit year, 12-hour clock with U+202F before AM/PM, as WhatsApp
// writes since 2023) for the parser benchmark: the same -n and -seed give the
// same bytes on every machine.
//
//	go run ./bench/parse/gen -n 1000000 -o /tmp/chat.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"time"
)

// Authors of the generated group: several, some with non-ASCII names, one a
// phone number as WhatsApp writes unsaved contacts.
var authors = []string{"Anna Weber", "José García", "Zoë", "Mike", "Priya Natarajan", "+44 7700 900123", "Lena 🌻", "Tom"}

// words is the vocabulary messages are drawn from.
var words = strings.Fields(`ok yes no maybe tomorrow today tonight dinner lunch coffee train late sorry
thanks great see you soon meeting work home weekend trip photo call later haha lol really nice good
morning night where when what who why how the a to and of in is it on for at with this that we I you
they just will be can not have do get go know think need want time day week plan idea check send
😂 👍 ❤️ 🙏 🎉 done ready leaving arrived almost there running minutes`)

func main() {
	n := flag.Int("n", 1_000_000, "number of messages")
	out := flag.String("o", "-", "output file; - for standard output")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	w := io.Writer(os.Stdout)
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := generate(bw, *n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := bw.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// generate writes n messages: 5% of them multi-line, about 2% media
// placeholders, a system notice now and then, minutes to hours apart.
func generate(w *bufio.Writer, n int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	t := time.Date(2021, 3, 1, 8, 0, 0, 0, time.UTC)
	line := make([]byte, 0, 4096)
	fmt.Fprintf(w, "%s - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n", stamp(t))
	for i := range n {
		// Mostly a conversation's pace, sometimes a night's pause.
		gap := time.Duration(rng.ExpFloat64()*90) * time.Second
		if rng.IntN(100) == 0 {
			gap += time.Duration(rng.IntN(10*3600)) * time.Second
		}
		t = t.Add(gap)
		line = append(line[:0], stamp(t)...)
		line = append(line, " - "...)
		switch r := rng.IntN(1000); {
		case r < 2 && i > 0:
			line = append(line, authors[rng.IntN(len(authors))]...)
			line = append(line, " changed the group description"...)
		case r < 22:
			line = append(line, authors[rng.IntN(len(authors))]...)
			line = append(line, ": <Media omitted>"...)
		default:
			line = append(line, authors[rng.IntN(len(authors))]...)
			line = append(line, ": "...)
			line = appendText(line, rng)
			if rng.IntN(20) == 0 { // 5% multi-line
				for range 1 + rng.IntN(3) {
					line = append(line, '\n')
					line = appendText(line, rng)
				}
			}
		}
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// appendText appends a message body: mostly short, sometimes long, as chat
// messages are (median about 6 words, a long tail to 80).
func appendText(b []byte, rng *rand.Rand) []byte {
	count := 1 + int(rng.ExpFloat64()*7)
	count = min(count, 80)
	for i := range count {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, words[rng.IntN(len(words))]...)
	}
	return b
}

// stamp writes t as en_US Android does: "1/15/24, 3:20\u202fPM".
func stamp(t time.Time) string {
	hour, marker := t.Hour()%12, "AM"
	if hour == 0 {
		hour = 12
	}
	if t.Hour() >= 12 {
		marker = "PM"
	}
	return fmt.Sprintf("%d/%d/%02d, %d:%02d\u202f%s", t.Month(), t.Day(), t.Year()%100, hour, t.Minute(), marker)
}
