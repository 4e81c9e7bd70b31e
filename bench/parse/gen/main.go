// Command gen writes a deterministic chat export for the parser benchmark:
// the same -shape, -n and -seed give the same bytes on every machine.
//
//	go run ./bench/parse/gen -shape android12 -n 1000000 -o /tmp/chat.txt
//
// Shapes (see shapes below): android12, the default, is a WhatsApp Android
// en_US export (month first, two-digit year, 12-hour clock with U+202F before
// AM/PM, as WhatsApp writes since 2023); ios24 an iOS en_GB export
// (bracketed, day first, four-digit year, 24-hour clock with seconds,
// U+200E before media placeholders); de a German Android export (day first
// with dots, 24-hour clock, German words and placeholders); ja a Japanese
// iOS export (year first with slashes, Japanese text, no notices); telegram a Telegram
// Desktop single-chat JSON export (text as strings and entity arrays,
// photos, stickers, service messages, replies, edits).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"time"
)

// Authors of the generated group: several, some with non-ASCII names, one a
// phone number as WhatsApp writes unsaved contacts.
var authors = []string{"Anna Weber", "José García", "Zoë", "Mike", "Priya Natarajan", "+44 7700 900123", "Lena 🌻", "Tom"}

var jaAuthors = []string{"佐藤 花子", "鈴木 一郎", "たなか", "Ken", "山本 さくら", "+81 90 1234 5678", "ユキ 🌸", "Tom"}

// Vocabularies messages are drawn from.
var (
	enWords = strings.Fields(`ok yes no maybe tomorrow today tonight dinner lunch coffee train late sorry
thanks great see you soon meeting work home weekend trip photo call later haha lol really nice good
morning night where when what who why how the a to and of in is it on for at with this that we I you
they just will be can not have do get go know think need want time day week plan idea check send
😂 👍 ❤️ 🙏 🎉 done ready leaving arrived almost there running minutes`)
	deWords = strings.Fields(`ok ja nein vielleicht morgen heute abend essen mittag kaffee zug spät sorry
danke super bis bald treffen arbeit zuhause wochenende reise foto anruf später haha echt schön gut
der die das und ich du wir ihr sie ist nicht mit auf für was wo wann wer warum wie noch schon mal
gleich kommst komme fahre bin bist habe hast Grüße Straße Bahnhof Geburtstag Frühstück übermorgen
😂 👍 ❤️ 🙏 🎉 fertig los unterwegs angekommen fast da Minuten`)
	jaWords = strings.Fields(`はい いいえ たぶん 明日 今日 今夜 晩ご飯 ランチ コーヒー 電車 遅れる ごめん
ありがとう すごい またね 会議 仕事 家 週末 旅行 写真 電話 あとで 笑 ほんと いいね おはよう おやすみ
どこ いつ 何 誰 なんで どう 私 あなた 行く 来る 食べる 見る 思う 時間 予定 確認 送る 了解 ｗｗｗ ＯＫ
😂 👍 ❤️ 🙏 🎉 着いた もうすぐ 今 分`)
)

// shape is one export format: a header, one entry per message, a footer.
type shape struct {
	header  func(w *bufio.Writer, t time.Time)
	message func(w *bufio.Writer, g *generator)
	footer  func(w *bufio.Writer)
}

var shapes = map[string]shape{
	"android12": {header: waHeader(androidStamp, "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more."),
		message: waMessage(androidStamp, enWords, authors, "<Media omitted>", " changed the group description")},
	"ios24": {header: waHeader(iosStamp, "Trail Friends: \u200eMessages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them."),
		message: waMessage(iosStamp, enWords, authors, "\u200eimage omitted", " changed the group description")},
	"de": {header: waHeader(deStamp, "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb dieses Chats kann sie lesen oder anhören, nicht einmal WhatsApp. Tippe, um mehr zu erfahren."),
		message: waMessage(deStamp, deWords, authors, "<Medien ausgeschlossen>", " hat die Gruppenbeschreibung geändert")},
	// Japanese text and clock, but no Japanese notices or placeholders: their
	// wording is the parsers' to verify (issue 10), not a benchmark's.
	"ja": {header: func(*bufio.Writer, time.Time) {},
		message: waMessage(jaStamp, jaWords, jaAuthors, "\u200e<attached: 00000042-PHOTO-2021-03-01-08-00-00.jpg>", "")},
	"telegram": {header: tgHeader, message: tgMessage, footer: func(w *bufio.Writer) { w.WriteString("\n ]\n}\n") }},
}

func main() {
	n := flag.Int("n", 1_000_000, "number of messages")
	out := flag.String("o", "-", "output file; - for standard output")
	seed := flag.Uint64("seed", 1, "random seed")
	name := flag.String("shape", "android12", "export shape: "+strings.Join(shapeNames(), ", "))
	flag.Parse()
	sh, ok := shapes[*name]
	if !ok {
		fmt.Fprintf(os.Stderr, "gen: unknown shape %q (want one of %s)\n", *name, strings.Join(shapeNames(), ", "))
		os.Exit(2)
	}
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
	g := &generator{rng: rand.New(rand.NewPCG(*seed, *seed^0x9e3779b97f4a7c15)), t: time.Date(2021, 3, 1, 8, 0, 0, 0, time.UTC)}
	sh.header(bw, g.t)
	for range *n {
		g.next()
		sh.message(bw, g)
	}
	if sh.footer != nil {
		sh.footer(bw)
	}
	if err := bw.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func shapeNames() []string {
	var names []string
	for n := range shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// generator holds the random state: the time of the current message and
// its index.
type generator struct {
	rng  *rand.Rand
	t    time.Time
	i    int
	line []byte
}

// next advances to the next message: mostly a conversation's pace, sometimes
// a night's pause.
func (g *generator) next() {
	gap := time.Duration(g.rng.ExpFloat64()*90) * time.Second
	if g.rng.IntN(100) == 0 {
		gap += time.Duration(g.rng.IntN(10*3600)) * time.Second
	}
	g.t = g.t.Add(gap)
	g.i++
}

// text appends a message body: mostly short, sometimes long, as chat
// messages are (median about 6 words, a long tail to 80).
func (g *generator) text(b []byte, words []string) []byte {
	count := min(1+int(g.rng.ExpFloat64()*7), 80)
	for i := range count {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, words[g.rng.IntN(len(words))]...)
	}
	return b
}

func waHeader(stamp func(time.Time) string, notice string) func(*bufio.Writer, time.Time) {
	return func(w *bufio.Writer, t time.Time) {
		fmt.Fprintf(w, "%s%s\n", stamp(t), notice)
	}
}

// waMessage writes WhatsApp lines: 5% of the messages multi-line, about 2%
// media placeholders, a system notice now and then.
func waMessage(stamp func(time.Time) string, words, names []string, media, notice string) func(*bufio.Writer, *generator) {
	return func(w *bufio.Writer, g *generator) {
		line := append(g.line[:0], stamp(g.t)...)
		switch r := g.rng.IntN(1000); {
		case r < 2 && g.i > 1 && notice != "":
			line = append(line, names[g.rng.IntN(len(names))]...)
			line = append(line, notice...)
		case r < 22:
			line = append(line, names[g.rng.IntN(len(names))]...)
			line = append(line, ": "...)
			line = append(line, media...)
		default:
			line = append(line, names[g.rng.IntN(len(names))]...)
			line = append(line, ": "...)
			line = g.text(line, words)
			if g.rng.IntN(20) == 0 {
				for range 1 + g.rng.IntN(3) {
					line = append(line, '\n')
					line = g.text(line, words)
				}
			}
		}
		line = append(line, '\n')
		w.Write(line)
		g.line = line
	}
}

// androidStamp writes t as en_US Android does: "1/15/24, 3:20\u202fPM - ".
func androidStamp(t time.Time) string {
	hour, marker := t.Hour()%12, "AM"
	if hour == 0 {
		hour = 12
	}
	if t.Hour() >= 12 {
		marker = "PM"
	}
	return fmt.Sprintf("%d/%d/%02d, %d:%02d\u202f%s - ", t.Month(), t.Day(), t.Year()%100, hour, t.Minute(), marker)
}

// iosStamp writes t as en_GB iOS does: "[15/01/2024, 15:20:05] ".
func iosStamp(t time.Time) string {
	return t.Format("[02/01/2006, 15:04:05] ")
}

// deStamp writes t as de_DE Android does: "15.01.24, 15:20 - ".
func deStamp(t time.Time) string {
	return t.Format("02.01.06, 15:04 - ")
}

// jaStamp writes t as ja_JP iOS does: "[2024/01/15 15:20:05] ".
func jaStamp(t time.Time) string {
	return t.Format("[2006/01/02 15:04:05] ")
}
