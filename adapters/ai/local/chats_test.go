package local

import (
	"fmt"
	"strings"
)

// The hand-made chats the tests read, one message a line as
// "author<TAB>text", and helpers that write them as prompts do.

// transcript writes a prompt whose transcript block holds the messages,
// numbered from 101 (so a seq is never mistaken for an index).
func transcript(msgs ...string) string {
	var b strings.Builder
	b.WriteString("Summarise the chat below. Answer with JSON.\n\n<transcript>\n")
	for i, m := range msgs {
		fmt.Fprintf(&b, "#%d\t%s\n", 101+i, m)
	}
	b.WriteString("</transcript>")
	return b.String()
}

// partials writes a reduce prompt whose partials block holds the lines.
func partials(lines ...string) string {
	return "Combine the partial answers below.\n\n<partials>\n" + strings.Join(lines, "\n") + "\n</partials>"
}

// seqOf is the seq transcript gives the i-th message (from 0).
func seqOf(i int) int64 { return int64(101 + i) }

// tripChat is mostly about planning a trip, with noise between.
var tripChat = []string{
	"Alice\tSo are we finally doing the Lisbon trip in May?",
	"Bob\tYes! I checked the train from Madrid to Lisbon, it takes about ten hours.",
	"Carol\tlol",
	"Alice\tTen hours on the train is long, maybe we fly to Lisbon instead.",
	"Bob\tFlights to Lisbon are cheap in May if we book the trip this week.",
	"Dan\thttps://example.com/deal?id=42",
	"Carol\tI found a hostel near the river in Lisbon, 25 euros a night.",
	"Alice\tThe hostel looks great, let's book it for the whole trip.",
	"Dan\tdid anyone watch the game yesterday?",
	"Bob\tok",
	"Carol\t😂😂",
	"Alice\tWe need to agree on the trip budget: flights, hostel and food.",
	"Bob\tI think 400 euros each covers the trip to Lisbon.",
	"Carol\tI can book the hostel tonight if everyone agrees on the dates.",
	"Dan\tbrb",
	"Alice\tDates for the trip: 12 to 18 May. Carol, book the hostel please.",
	"Bob\tDone, I booked my flight to Lisbon for the 12th.",
	"Dan\tmy cat just knocked over a plant",
	"Carol\tHostel booked for the trip, I will send the confirmation.",
	"Alice\tPerfect, this trip to Lisbon is going to be amazing.",
}

// tripNoise are the indexes of tripChat's noise lines.
var tripNoise = []int{2, 5, 8, 9, 10, 14, 17}

// topicsChat plants two topics, football and baking, among noise and
// names.
var topicsChat = []string{
	"Bob\tDid you watch the football match last night?",
	"Alice\tYes Bob, what a match! That goal in the last minute was unreal.",
	"Bob\tThe goal came from a corner, the keeper had no chance.",
	"Carol\tlol",
	"Alice\tBest football match of the season, the referee was awful though.",
	"Bob\tThe referee gave them a penalty but the goal was clean.",
	"Dan\tok",
	"Alice\tFootball on Saturday again, the match starts at eight.",
	"Bob\tI will get tickets for the match, Alice, the stadium sells out fast.",
	"Carol\thaha",
	"Alice\tTheir striker scored a goal in every match this month.",
	"Bob\tThat striker is the best football player in the league.",
	"Carol\tSwitching topics: I finally tried that bread recipe.",
	"Dan\tWhich recipe, Carol? The one with the sourdough dough?",
	"Carol\tYes, the dough needs to rest overnight before it goes in the oven.",
	"Alice\t😂",
	"Dan\tHow hot was the oven? My dough always burns.",
	"Carol\tThe recipe says 230 degrees, and put a tray of water in the oven.",
	"Dan\tI will try the recipe this weekend, my oven runs hot though.",
	"Bob\tok",
	"Carol\tKnead the dough for ten minutes, the recipe is very forgiving.",
	"Dan\tThe dough rose nicely, it is in the oven now.",
	"Carol\tSend a photo when the bread comes out of the oven!",
	"Dan\tWill do Carol, the recipe and the dough were easy.",
	"Alice\thttps://example.com/photo.jpg",
}

// toneChats hold, per language, a warm exchange between the first two
// authors and a hostile one between the other two.
var toneChats = map[string]struct {
	lines              []string
	warm1, warm2       string
	hostile1, hostile2 string
}{
	"en": {lines: []string{
		"Alice\tThank you so much for the birthday gift, I love it! ❤️",
		"Bob\tI'm so glad you like it, you deserve the best 😊",
		"Alice\tYou are the sweetest, thanks again 🙏",
		"Bob\tHappy birthday, have a wonderful day!",
		"Alice\tIt was a perfect day, thank you!",
		"Bob\tAwesome, great to hear 🎉",
		"Carol\tYou ruined the project again, this is terrible.",
		"Dan\tShut up, your part was useless anyway.",
		"Carol\tI hate working with you, you are so annoying 😡",
		"Dan\tStop whining, your report was pathetic.",
		"Carol\tThis is the worst team ever, what a stupid mess.",
		"Dan\tWhatever, you are an idiot 👎",
	}, warm1: "Alice", warm2: "Bob", hostile1: "Carol", hostile2: "Dan"},
	"es": {lines: []string{
		"Lucía\t¡Muchas gracias por el regalo, me encanta! ❤️",
		"Mateo\tMe alegra mucho, eres genial 😊",
		"Lucía\tEres el mejor amigo, gracias de verdad.",
		"Mateo\tFeliz cumpleaños, que tengas un día maravilloso.",
		"Lucía\tFue un día perfecto, gracias por todo.",
		"Mateo\t¡Qué bonito! Un abrazo.",
		"Sofía\tEres un idiota, arruinaste todo.",
		"Diego\tCállate, tu trabajo es una basura.",
		"Sofía\tOdio trabajar contigo, eres un inútil 😡",
		"Diego\tEres pésimo y un mentiroso.",
		"Sofía\tQué asco de equipo, estoy harta.",
		"Diego\tTonta, déjame en paz 👎",
	}, warm1: "Lucía", warm2: "Mateo", hostile1: "Sofía", hostile2: "Diego"},
	"ja": {lines: []string{
		"さくら\tプレゼントありがとう！本当に嬉しい😊",
		"けん\t喜んでくれてよかった！大好きだよ",
		"さくら\t優しいね、最高の誕生日だった",
		"けん\t楽しい一日になってよかった",
		"さくら\t素敵な時間をありがとう",
		"けん\tこちらこそ、ありがとう！",
		"ゆき\t最悪だよ、また失敗した",
		"たろう\tうるさい、お前はバカだ",
		"ゆき\t本当にむかつく、大嫌い😡",
		"たろう\t最低だな、迷惑なんだよ",
		"ゆき\tつまらない言い訳はもういい",
		"たろう\tひどいな、邪魔するな",
	}, warm1: "さくら", warm2: "けん", hostile1: "ゆき", hostile2: "たろう"},
}

// multilingualChat mixes scripts: every path of the tokeniser.
var multilingualChat = []string{
	"Ana\t¿Vamos al partido de fútbol el sábado? El estadio está lleno.",
	"Jonas\tDas Spiel war super, aber das Stadion ist zu teuer.",
	"小明\t我们明天去踢足球吧，比赛下午三点开始。",
	"さくら\tサッカーの試合は楽しかった！また行きたい。",
	"민수\t축구 경기 정말 재미있었어요. 다음 경기도 같이 봐요.",
	"Ivan\tМатч был отличный, футбол это жизнь.",
	"Amal\tالمباراة كانت رائعة جدا، شكرا لكم",
	"Ravi\tमैच बहुत अच्छा था, मज़ा आ गया",
	"Ana\t🎉🎉🎉",
	"Jonas\thttps://example.com/tickets",
}

// bigTranscript is a prompt of n messages: random words, with a
// different handful of words favoured in each stretch of 500 messages.
func bigTranscript(n int) string {
	vocab := strings.Fields(`the a and to of trip train hostel lisbon football match goal recipe oven dough bread flour
	weekend party birthday cake gift movie cinema ticket work meeting deadline project report budget flight hotel
	beach sun rain weather coffee tea lunch dinner pizza pasta great good bad terrible love hate thanks sorry lol ok
	yes no maybe tomorrow today tonight morning evening car bus bike road city river mountain walk run gym music song`)
	authors := []string{"Alice", "Bob", "Carol", "Dan", "Eve"}
	var b strings.Builder
	b.WriteString("<transcript>\n")
	x := uint32(1)
	next := func() int { x = x*1664525 + 1013904223; return int(x >> 8) }
	for i := range n {
		fmt.Fprintf(&b, "#%d\t%s\t", i+1, authors[next()%len(authors)])
		stretch := (i / 500) % 10
		for j := range 2 + next()%14 {
			if j > 0 {
				b.WriteByte(' ')
			}
			if next()%3 == 0 {
				b.WriteString(vocab[5+stretch*3+next()%3])
			} else {
				b.WriteString(vocab[next()%len(vocab)])
			}
			if next()%9 == 0 {
				b.WriteString(".")
			}
		}
		b.WriteByte('\n')
	}
	b.WriteString("</transcript>")
	return b.String()
}
