package chatstats

import (
	"slices"
	"strings"
	"sync"
)

// stopWordLists hold, per language, the function words left out of the top
// words: short lists, not exhaustive ones, of the words that would
// otherwise fill every chat's top ten. Languages: those core/chatparse's
// wording tables cover or are being extended to (issue 10).
//
// Sources: for en, de, fr, es, pt, it, nl, ru and id, the Snowball stop-word
// lists (snowballstem.org, algorithms/<language>/stop.txt, BSD licence),
// shortened; for tr, ar, hi, ja, ko and zh, the stopwords-iso collection
// (github.com/stopwords-iso, MIT), shortened to function words. Additions,
// because words are split at apostrophes: the parts of English contractions
// ("don", "t", "ll", …); and, because chats are informal: French "ça",
// Indonesian "gak", "nggak", "aja", "udah", romanised Hindi ("hai", "nahi",
// …), Japanese particles written together ("には", "では", …). Chinese lists
// both simplified and traditional forms, which NFKC does not unify.
var stopWordLists = []struct{ lang, words string }{
	{"en", `i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
		she her hers herself it its itself they them their theirs themselves what which who whom this
		that these those am is are was were be been being have has had having do does did doing would
		should could ought will can cannot a an the and but if or because as until while of at by for
		with about against between into through during before after above below to from up down in out
		on off over under again further then once here there when where why how all any both each few
		more most other some such no nor not only own same so than too very s t m d ll re ve don doesn
		didn isn aren wasn weren hasn haven hadn won wouldn shouldn couldn mustn let`},
	{"de", `aber alle allem allen aller alles als also am an andere anderen anderer anderes auch auf aus
		bei bin bis bist da damit dann das dass daß dein deine deinem deinen deiner dem den denn der des
		dich die dies diese diesem diesen dieser dieses dir doch dort du durch ein eine einem einen einer
		eines einige einigen einmal er es etwas euch euer eure für gegen gewesen hab habe haben hat hatte
		hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer im in indem ins ist jede jedem
		jeden jeder jedes jetzt kann kein keine keinem keinen keiner können könnte man mein meine meinem
		meinen meiner mich mir mit muss musste nach nicht nichts noch nun nur ob oder ohne sehr sein seine
		seinem seinen seiner selbst sich sie sind so solche soll sollte sondern sonst um und uns unser
		unsere unter viel vom von vor während war waren warst was weg weil weiter welche welchem welchen
		welcher wenn werde werden wie wieder will wir wird wirst wo wollen wollte würde würden zu zum zur
		zwar zwischen`},
	{"fr", `au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me même
		mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu
		un une vos votre vous c d j l à m n s t y été suis es est sommes êtes sont étais était étions
		étaient ai as avons avez ont avais avait avaient eu fut sera serait aurait cette cet ça`},
	{"es", `de la que el en y a los del se las por un para con no una su al lo como más pero sus le ya o
		este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien desde todo nos
		durante todos uno les ni contra otros ese eso ante ellos e esto mí antes algunos qué unos yo otro
		otras otra él tanto esa estos mucho quienes nada muchos cual poco ella estar estas algunas algo
		nosotros mi mis tú te ti tu tus ellas os esos esas estoy estás está estamos están es soy eres somos
		son era fue he ha hemos han había tengo tiene tienen`},
	{"pt", `de a o que e do da em um para com não uma os no se na por mais as dos como mas ao ele das à seu
		sua ou quando muito nos já eu também só pelo pela até isso ela entre depois sem mesmo aos seus quem
		nas me esse eles você essa num nem suas meu às minha numa pelos elas qual nós lhe deles essas esses
		pelas este dele tu te vocês vos lhes meus minhas teu tua nosso nossa dela delas esta estes estas
		aquele aquela isto aquilo estou está estamos estão era foi fui é sou somos são tenho tem temos têm
		tinha há`},
	{"it", `ad al allo ai agli all alla alle con col coi da dal dallo dai dagli dall dalla dalle di del
		dello dei degli dell della delle in nel nello nei negli nell nella nelle su sul sullo sui sugli
		sull sulla sulle per tra contro io tu lui lei noi voi loro mio mia miei mie tuo tua tuoi tue suo
		sua suoi sue nostro nostra vostro vostra mi ti ci vi lo la li le gli ne il un uno una ma ed se
		perché anche come dove che chi cui non più quale quanto quello quella questo questa si tutto tutti
		a c e i l o ho hai ha abbiamo avete hanno è sono sei siamo siete era fu`},
	{"nl", `de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om hem
		dan zou of wat mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar naar heb hoe
		heeft hebben deze u want nog zal me zij nu ge geen omdat iets worden toch al waren veel meer doen
		toen moet ben zonder kan hun dus alles onder ja eens hier wie werd altijd doch wordt wezen kunnen
		ons zelf tegen na reeds wil kon niets uw iemand geweest andere`},
	{"ru", `и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне
		было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до
		вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя
		их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого
		какой совсем ним здесь этом один почти мой тем чтобы нее сейчас были куда зачем всех никогда можно
		при наконец об другой хоть после над больше тот через эти нас про всего них какая много разве эту
		моя впрочем свою этой перед иногда чуть том нельзя такой им более всегда между`},
	{"tr", `acaba ama aslında az bazı belki ben biri birkaç bir biz bu çok çünkü da daha de defa diye eğer
		en gibi hem hep hepsi her hiç için ile ise kez ki kim mı mi mu mü nasıl ne neden nerede nereye
		niçin niye o olan olarak onlar sanki sen şey siz şu tüm var ve veya ya yani yok`},
	{"id", `yang dan di ini itu dengan untuk dari dalam tidak akan ke pada juga ada saya kamu kami kita
		mereka dia ia atau sudah bisa karena seperti jadi tapi tetapi oleh lebih apa aku lagi mau belum
		masih harus hanya sangat telah nya sih kok ya aja udah gak nggak ga`},
	{"ar", `في من على إلى الى عن مع هذا هذه ذلك التي الذي هو هي أنا انا أنت انت نحن هم كان كانت لا لم لن
		ما ماذا كيف أين متى هل و أو او ثم إن ان أن قد كل بعد قبل عند حتى إذا اذا لكن بل يا`},
	{"hi", `का के की है हैं में और को से पर यह वह था थी थे भी नहीं तो ही या एक कि जो कर हो गया इस उस मैं
		तुम आप हम वो ये क्या कुछ लिए साथ अब जब तक बहुत hai ka ki ke ko se mein nahi kya ye wo bhi toh aur`},
	{"ja", `の に は を た が で て と し れ さ ある いる も する から な こと い や れる など なっ ない この
		ため その あっ よう また もの あり まで られ なる へ か だ これ ます です でも けど よ ね って じゃ
		そう それ あれ どう には では とは のは ので だけ`},
	{"ko", `이 그 저 것 수 등 들 및 에서 그리고 그래서 그러나 그런데 하지만 또는 또한 나 너 우리 저희
		그들 이것 그것 저것 여기 거기 저기 좀 더 안 못 왜 뭐 어떻게 그냥 너무 아`},
	{"zh", `的 了 是 我 你 他 她 它 们 我们 你们 他们 這 这 这个 這個 那 那个 那個 在 有 和 与 與 也 都 就 不
		没 沒 没有 沒有 吗 嗎 呢 吧 啊 哦 嗯 很 还 還 要 会 會 说 說 去 来 來 到 对 對 把 被 给 給 让 讓 但
		但是 因为 因為 所以 如果 还是 還是 什么 什麼 怎么 怎麼`},
}

// stopDict numbers the folded stop words of every list, with the lists that
// hold each: a word's lists are looked up once, when it joins the chat's
// vocabulary (or an author's top counter, past the vocabulary's size).
type stopDict struct {
	// lengths has bit n-1 of entry b set when a stop word of n bytes starts
	// with byte b: most words that are no stop word fail this test and
	// spare a lookup.
	lengths [256]uint32
	dict             // the stop words
	langs   []uint32 // per word, the lists (bits, in the order of stopWordLists) that hold it
}

var stopWords = sync.OnceValue(func() *stopDict {
	d := &stopDict{}
	var f folder
	for i, l := range stopWordLists {
		for _, w := range strings.Fields(l.words) {
			key := f.fold(w)
			k := keyOf(key)
			id, ok := d.lookup(&k)
			if !ok {
				id = int32(len(d.keys))
				d.table.insert(&k, id)
				d.keys = append(d.keys, string(key))
				d.langs = append(d.langs, 0)
			}
			d.langs[id] |= 1 << i
			if len(key) > 32 {
				panic("chatstats: stop word longer than 32 bytes: " + string(key))
			}
			d.lengths[key[0]] |= 1 << (len(key) - 1)
		}
	}
	return d
})

// mayHold reports whether a word of n bytes starting with first can be a
// stop word (first lower-cased when it is an ASCII letter).
func (d *stopDict) mayHold(first byte, n int) bool {
	return n > 0 && n <= 32 && d.lengths[first]&(1<<(n-1)) != 0
}

// StopWordLanguages returns the languages that have a stop-word list, as
// Options.Languages names them.
func StopWordLanguages() []string {
	langs := make([]string, len(stopWordLists))
	for i, l := range stopWordLists {
		langs[i] = l.lang
	}
	return langs
}

// languageMask returns the bits of the languages named, ignoring names
// without a list.
func languageMask(langs []string) uint32 {
	var mask uint32
	for i, l := range stopWordLists {
		if slices.Contains(langs, l.lang) {
			mask |= 1 << i
		}
	}
	return mask
}

// detectLanguages picks the chat's languages from the stop words its
// authors used (each counted exactly).
// Only words in one list alone tell languages apart ("in", "was" and "so"
// are English and German; "the" and "und" are not), so a language is picked
// when such words of its list account for at least a quarter as many
// occurrences as those of the best language. Without any, shared words
// decide the same way; a chat with no stop word at all gets every list.
func (s *Stats) detectLanguages() uint32 {
	unique := make([]int64, len(stopWordLists))
	shared := make([]int64, len(stopWordLists))
	for _, a := range s.order {
		s.stopUses(a, func(stop int32, n int64) {
			langs := s.stops.langs[stop]
			for i := range shared {
				if langs&(1<<i) != 0 {
					shared[i] += n
					if langs == 1<<i {
						unique[i] += n
					}
				}
			}
		})
	}
	for _, hits := range [][]int64{unique, shared} {
		best := slices.Max(hits)
		if best == 0 {
			continue
		}
		var mask uint32
		for i, h := range hits {
			if 4*h >= best {
				mask |= 1 << i
			}
		}
		return mask
	}
	return 1<<len(stopWordLists) - 1
}

// languageNames lists the languages of mask.
func languageNames(mask uint32) []string {
	var names []string
	for i, l := range stopWordLists {
		if mask&(1<<i) != 0 {
			names = append(names, l.lang)
		}
	}
	return names
}
