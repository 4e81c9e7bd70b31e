package local

import (
	"strings"
	"sync"
)

// stopLists are, per language, the function words (and the chat fillers)
// a topic or a summary's "mostly about" must never be: short lists of the
// commonest ones, not exhaustive ones. TF-IDF over the chat already scores
// words used everywhere low; the lists matter most for short chats, where
// there is too little text for that. Sources: shortened from the lists
// core/chatstats keeps (the Snowball stop-word lists, BSD licence, for en,
// de, fr, es, pt, it, nl, ru and id; stopwords-iso, MIT, for tr, ar, hi,
// ja, ko and zh), with chat fillers added ("lol", "jaja", "kkk"). Words of
// two letters or fewer are left out: the tokeniser drops them anyway.
// Chinese and Japanese entries are the character bigrams and single
// characters the tokeniser makes terms of.
var stopLists = []struct{ lang, words string }{
	{"en", `the and for are but not you all any can had her was one our out his has him how its may new
		now see way who did get got let she too use that this with have from they will would there their
		what about which when make like time just know take into your some could them than then look only
		come over think also back after work first well even want because these give most very were been
		being does doing don doesn didn isn aren wasn weren hasn haven hadn won wouldn shouldn couldn cannot
		should here where why more other such own same again once each few both those through during
		before above below under until while off down yes yeah yep nope okay lol lmao omg haha hahaha hehe
		btw gonna wanna gotta really thing things something anything everything nothing going said says
		say tell told thanks thank please sure maybe still much many always never ever good right ill
		dont cant wont didnt isnt thats whats youre ive though anyway whatever actually probably pretty`},
	{"de", `aber alle allem allen aller alles als also auch auf aus bei bin bis bist damit dann das dass
		dein deine dem den denn der des dich die dies diese diesem diesen dieser dir doch dort durch ein
		eine einem einen einer eines etwas euch euer eure für gegen hab habe haben hat hatte hier hin ich
		ihm ihn ihr ihre ihrem ihren ist jetzt kann kein keine man mein meine mich mir mit muss nach
		nicht nichts noch nun nur oder ohne sehr sein seine sich sie sind soll sollte sondern um und uns
		unser unter viel vom von vor war waren was weil welche wenn werde werden wie wieder will wir wird
		zum zur mal schon halt eben gerade einfach okay genau nee klar gut`},
	{"fr", `avec ces dans des elle ils les leur lui mais mes moi mon nos notre nous par pas pour que qui
		ses son sur toi ton une vos votre vous été suis est sommes êtes sont était ont avait avaient cette
		cet ça aussi alors bien très tout tous toute fait faire comme quand même encore juste peu oui non
		voilà bon ben bah trop rien chez mdr`},
	{"es", `que los del las por una para con como más pero sus este porque esta entre cuando muy sin
		sobre también hasta hay donde quien desde todo nos durante todos uno les contra otros ese eso
		ante ellos esto antes algunos qué unos otro otras otra tanto esa estos mucho nada muchos cual poco
		ella estar estas algo nosotros mis tus ellas esos esas estoy estás está estamos están soy eres
		somos son era fue hemos han había tengo tiene tienen pues bueno vale así ahora jaja jajaja`},
	{"pt", `que com não uma para dos como mas ele das seu sua quando muito nos isso ela entre depois
		sem mesmo aos seus quem nas esse eles você essa num nem suas meu minha numa pelos elas qual nós
		lhe deles essas esses pelas este dele vocês vos nosso nossa dela esta estes estas aquele aquela
		isto estou está estamos estão era foi fui sou somos são tenho tem temos tinha então agora aqui
		vai kkk kkkk tipo também pra pro`},
	{"it", `alla alle allo agli con col coi dal dallo dai dagli dalla dalle del dello dei degli della
		delle nel nello nei negli nella nelle sul sullo sui sugli sulla sulle per tra contro lui lei noi
		voi loro mio mia miei mie tuo tua tuoi tue suo sua suoi sue nostro nostra vostro vostra gli
		anche come dove che chi cui non più quale quanto quello quella questo questa tutto tutti hai
		abbiamo avete hanno sono sei siamo siete era poi già ancora cosa allora però ecco`},
	{"nl", `van dat die een het niet zijn was aan met als voor had maar hem dan zou wat mijn men dit door
		over zich bij ook tot mij uit der daar haar naar heb hoe heeft hebben deze want nog zal zij geen
		omdat iets worden toch waren veel meer doen toen moet ben zonder kan hun dus alles onder eens hier
		wie werd altijd wordt kunnen ons zelf tegen niets iemand andere gewoon wel even echt nou oké`},
	{"ru", `что как все она так его только мне было вот меня еще нет теперь когда даже вдруг если уже
		или быть был него вас нибудь опять вам ведь там потом себя ничего может они тут где есть надо ней
		для тебя чем была сам чтоб без будто чего раз тоже себе под будет тогда кто этот того потому этого
		какой совсем ним здесь этом один почти мой тем чтобы нее сейчас были куда зачем всех никогда
		можно при после над больше тот через эти нас про всего них какая много это ага`},
	{"tr", `acaba ama aslında bazı belki ben biri birkaç bir biz çok çünkü daha defa diye eğer gibi hem
		hep hepsi her hiç için ile ise kez kim nasıl neden nerede nereye niçin niye olan olarak onlar
		sanki sen şey siz tüm var veya yani yok evet hayır tamam`},
	{"id", `yang dan ini itu dengan untuk dari dalam tidak akan pada juga ada saya kamu kami kita mereka
		dia atau sudah bisa karena seperti jadi tapi tetapi oleh lebih apa aku lagi mau belum masih harus
		hanya sangat telah nya sih kok aja udah gak nggak iya yah dong deh wkwk wkwkwk`},
	{"ar", `في من على إلى الى عن مع هذا هذه ذلك التي الذي هو هي أنا انا أنت انت نحن هم كان كانت لا لم لن
		ما ماذا كيف أين متى هل أو او ثم إن ان أن قد كل بعد قبل عند حتى إذا اذا لكن بل يا`},
	{"hi", `का के की है हैं में और को से पर यह वह था थी थे भी नहीं तो ही या एक कि जो कर हो गया इस उस मैं
		तुम आप हम वो ये क्या कुछ लिए साथ अब जब तक बहुत hai nahi kya bhi toh aur mein haan`},
	{"ko", `그리고 그래서 그러나 그런데 하지만 또는 또한 우리 저희 그들 이것 그것 저것 여기 거기 저기 그냥
		너무 정말 진짜 근데 이제 지금 오늘 내일 어제 같이 다음 우리가 그거 이거`},
	{"ja", `して した です ます ない ある いる する から まで ので けど よね だよ これ それ あれ この その
		あの こと もの ため よう そう どう 本当 今日 明日 昨日 自分 時間 今 何 私 僕 俺 人 事 方 時 中 日 一`},
	{"zh", `我们 你们 他们 她们 这个 那个 这個 那個 什么 什麼 怎么 怎麼 没有 沒有 就是 还是 還是 但是 因为
		因為 所以 如果 可以 一个 一個 不是 这样 這樣 知道 觉得 覺得 现在 現在 然后 然後 已经 已經 今天 明天
		昨天 时候 時候 东西 東西 真的 一下 一起 大家 自己 时间 時間 人 事 中 上 下 个 個 说 說 去 来 來 会 會 要`},
}

// cjkLanguages always count: their entries cannot be mistaken for words
// of other languages, and detection, which reads spaced words, never sees
// them.
var cjkLanguages = []string{"ja", "zh"}

// stopWords maps a word to the lists (bits, in the order of stopLists)
// that hold it.
var stopWords = sync.OnceValue(func() map[string]uint32 {
	m := map[string]uint32{}
	for i, l := range stopLists {
		for _, w := range strings.Fields(l.words) {
			m[w] |= 1 << i
		}
	}
	return m
})

func langBits(langs ...string) uint32 {
	var bits uint32
	for i, l := range stopLists {
		for _, want := range langs {
			if l.lang == want {
				bits |= 1 << i
			}
		}
	}
	return bits
}

// languages picks the stop lists of a chat from the words it uses, so that
// a word that is a function word in one language and a content word in
// another ("war", "hat", "die") is dropped only where it is the former. A
// language counts when the words only its list holds occur at least a
// quarter as often as those of the best one; a chat without any gets
// every list.
func languages(words func(yield func(string) bool)) uint32 {
	stop := stopWords()
	hits := make([]int, len(stopLists))
	for w := range words {
		bits := stop[w]
		if bits != 0 && bits&(bits-1) == 0 {
			for i := range hits {
				if bits == 1<<i {
					hits[i]++
				}
			}
		}
	}
	best := 0
	for _, h := range hits {
		best = max(best, h)
	}
	if best == 0 {
		return 1<<len(stopLists) - 1
	}
	mask := langBits(cjkLanguages...)
	for i, h := range hits {
		if 4*h >= best {
			mask |= 1 << i
		}
	}
	return mask
}
