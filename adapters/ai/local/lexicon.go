package local

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// The sentiment lexicon: per language, common positive and negative words
// of chats, and the negators that flip the word after them (or, for
// post-negators, the one before). These are our own lists of common chat
// words, not taken from a published lexicon, and deliberately small (25 to
// 40 words a side): enough to tell a warm exchange from a hostile one, not
// to grade nuance. Languages: those core/chatparse reads chats in.
//
// Words of spaced scripts are matched whole and in lower case. Chinese,
// Japanese and Korean are matched as substrings, longest first, since
// their words are not cut by spaces (and Korean writes particles and
// endings onto them): their entries are stems where an ending varies
// ("楽し" for 楽しい, 楽しかった, 楽しくない). A CJK entry of polarity 0
// is a word that contains an entry but means something else ("好像",
// "seems", contains 好): matched first, it hides the shorter one.
var lexicon = []struct {
	lang           string
	pos, neg, zero string
	negators, post string
}{
	{lang: "en",
		pos: `good great awesome amazing love loved lovely loving nice thanks thank thx appreciate happy
			glad cool perfect wonderful fantastic beautiful brilliant excellent best yay congrats
			congratulations sweet cute fun enjoyed proud excited agree hug hugs welcome lol lmao rofl xd`,
		neg: `bad terrible awful hate hated angry annoying annoyed stupid idiot dumb sad worst horrible
			disgusting ugly useless pathetic ridiculous boring upset furious wtf damn shit crap fuck
			fucking disappointed disappointing wrong liar rude jerk loser worse problem sucks`,
		negators: `not no never don't dont doesn't doesnt didn't didnt isn't isnt wasn't wasnt aren't
			can't cant won't wont nothing hardly`},
	{lang: "es",
		pos: `bueno buena buenísimo genial excelente gracias amor amo encanta encantó feliz felicidades
			perfecto perfecta bonito bonita hermoso hermosa lindo linda increíble increible maravilloso
			maravillosa divertido divertida guapo guapa chévere bien abrazo abrazos besos beso contento
			contenta mejor querido querida`,
		neg: `malo mala horrible terrible odio odias asco asqueroso idiota estúpido estúpida estupido
			imbécil imbecil tonto tonta triste enojado enojada enfadado enfadada molesto molesta harto
			harta peor pésimo pesimo fatal mierda basura mentira mentiroso cállate callate inútil
			ridículo aburrido decepcionado`,
		negators: `no nunca jamás tampoco ni`},
	{lang: "de",
		pos: `gut super toll klasse prima schön danke liebe lieb freue freut glücklich geil perfekt
			wunderbar wunderschön großartig spitze herrlich lecker süß nett mega gerne gern juhu bravo
			glückwunsch herzlichen lustig froh`,
		neg: `schlecht scheiße scheisse mist blöd doof dumm hass hasse ärgerlich nervig nervt wütend sauer
			traurig schrecklich furchtbar schlimm langweilig peinlich enttäuscht kacke arsch arschloch
			lügner lüge schade katastrophe ekelhaft`,
		negators: `nicht kein keine keinen nie niemals nichts`},
	{lang: "fr",
		pos: `bien bon bonne génial géniale merci aime adore parfait parfaite magnifique excellent top
			heureux heureuse contente félicitations chouette sympa mignon mignonne beau belle
			drôle bisous bisou incroyable merveilleux plaisir ravi ravie mdr`,
		neg: `mauvais mauvaise nul nulle horrible déteste haine connard merde putain triste fâché fâchée
			énervé énervée chiant chiante idiot stupide ennuyeux déçu déçue pire dégoûtant ridicule honte
			marre gueule menteur`,
		negators: `pas jamais rien aucun aucune non`},
	{lang: "pt",
		pos: `bom boa ótimo ótima otimo obrigado obrigada amo amor adoro lindo linda perfeito perfeita
			feliz legal maravilhoso maravilhosa incrível incrivel parabéns parabens massa top beijos beijo
			abraço abraços querido querida divertido fofo fofa rsrs`,
		neg: `ruim péssimo pessimo horrível horrivel odeio ódio raiva chato chata triste idiota burro burra
			merda porra droga lixo pior nojento nojo mentira mentiroso cala decepcionado irritado irritada
			vergonha bosta detesto`,
		negators: `não nao nunca nem jamais`},
	{lang: "it",
		pos: `bello bella bellissimo bellissima bravo brava grazie amore amo adoro ottimo ottima perfetto
			perfetta felice fantastico fantastica meraviglioso stupendo evviva complimenti buono buona bene
			carino carina divertente simpatico baci bacio abbraccio contento contenta magnifico`,
		neg: `brutto brutta cattivo cattiva odio schifo merda cazzo stronzo stronza idiota stupido stupida
			triste arrabbiato arrabbiata peggio peggiore orribile terribile noioso noiosa deluso delusa
			vergogna pessimo fastidio vaffanculo cretino scemo`,
		negators: `non mai niente nessuno`},
	{lang: "nl",
		pos: `goed leuk mooi geweldig fijn lekker super top prachtig fantastisch heerlijk bedankt dank
			dankjewel dankje blij gelukkig liefde schat gezellig tof perfect geniaal knap gefeliciteerd
			hoera mooie leuke goede`,
		neg: `slecht stom stomme dom irritant boos verdrietig haat kut klote balen jammer vervelend
			verschrikkelijk vreselijk afschuwelijk saai lelijk idioot sukkel waardeloos teleurgesteld
			walgelijk hekel ellendig`,
		negators: `niet geen nooit niks niets`},
	{lang: "ru",
		pos: `хорошо хороший хорошая отлично отличный супер класс классно круто спасибо люблю любовь милый
			милая прекрасно прекрасный замечательно здорово рад рада счастлив счастлива молодец красиво
			красивая ура обожаю поздравляю прикольно целую обнимаю шикарно кайф весело`,
		neg: `плохо плохой ужасно ужасный кошмар ненавижу дурак дура идиот тупой тупая бесит злой злюсь
			грустно печально жаль отстой дерьмо блин чёрт черт скучно обидно врёшь врешь заткнись мерзко
			противно отвратительно хуже сволочь урод`,
		negators: `не нет ни никогда`},
	{lang: "tr",
		pos: `güzel guzel harika süper teşekkürler tesekkurler teşekkür sağol saol seviyorum sevgi aşk aşkım
			canım mutlu iyi mükemmel muhteşem tatlı tebrikler helal eğlenceli sevindim hoş yaşasın müthiş`,
		neg: `kötü kotu berbat nefret aptal salak gerizekalı sinir sinirli üzgün üzüldüm kızgın rezil
			rezalet boktan bok lanet iğrenç sıkıcı saçma yalan yalancı siktir kahretsin korkunç utanç ayıp
			defol bıktım`,
		negators: `hiç asla`,
		post:     `değil degil`},
	{lang: "id",
		pos: `bagus baik mantap mantul keren hebat senang seneng suka cinta sayang makasih trims asyik asik
			cantik ganteng lucu seru enak indah sukses selamat gembira bahagia semangat lega`,
		neg: `jelek buruk benci marah kesal kesel sedih bodoh bego goblok tolol bangsat sialan sial parah
			payah males malas bosan bosen kecewa nyebelin sebel bete bohong muak jijik capek brengsek
			kampret najis`,
		negators: `tidak tak gak ga nggak enggak bukan jangan kagak ndak`},
	{lang: "ar",
		pos: `جميل جميلة رائع رائعة ممتاز ممتازة شكرا شكراً مشكور حب احبك أحبك حبيبي حبيبتي سعيد سعيدة مبروك
			الحمدلله حلو حلوة تمام كويس عظيم جيد جيدة أحسنت احسنت يسلمو ماشاءالله لطيف فرحان ممتع روعة`,
		neg: `سيء سيئ سيئة زفت كره أكره اكره غبي غبية حمار زعلان زعلانة حزين حزينة مزعج تافه قرف مقرف كذاب
			كذب اسكت وسخ لعنة زبالة فاشل فاشلة ممل مشكلة غلط عيب يلعن`,
		negators: `لا ما مش مو ليس لم لن غير`},
	{lang: "hi",
		pos: `अच्छा अच्छी अच्छे बढ़िया शानदार प्यार धन्यवाद शुक्रिया खुश मज़ा मजा सुंदर खूबसूरत बधाई वाह
			कमाल बेहतरीन प्यारा प्यारी मस्त accha acha achha badhiya badiya pyaar pyar shukriya dhanyavaad
			khush mast maza mazaa sundar badhai waah kamaal zabardast`,
		neg: `बुरा बुरी बेकार गंदा गंदी नफरत गुस्सा दुखी उदास बकवास घटिया बेवकूफ पागल मूर्ख झूठ झूठा चुप
			bura buri bekaar bekar ganda gandi nafrat gussa dukhi udaas bakwas bakwaas ghatiya bewakoof
			pagal jhooth jhoota kamina kamine`,
		negators: `मत nahi nahin nai`,
		post:     `नहीं ना न`},
	{lang: "ja",
		pos: `好き 大好き 嬉し うれし 楽し たのし ありがと 有難う 素晴らし すばらし 最高 いいね いいよ 良い 良く
			よかった 良かった 可愛 かわい 美味し おいし 素敵 すてき すごい 凄い 面白 おもしろ 幸せ 感謝
			おめでと 愛して 助か 優し やさし 頑張 がんば 安心 笑`,
		neg: `嫌い きらい 大嫌い 最悪 最低 むかつ ムカつ うざ ウザ 悲し かなし 寂し さみし つまらな 腹立
			バカ ばか 馬鹿 アホ あほ 死ね ひど 酷い 残念 辛い つらい 無理 疲れ 迷惑 怖い こわい 不安 邪魔
			失望 悪 怒`,
		zero: `悪魔 辛口`},
	{lang: "zh",
		pos: `好 很好 喜欢 喜歡 爱 愛 谢谢 謝謝 感谢 感謝 棒 开心 開心 高兴 高興 快乐 快樂 漂亮 可爱 可愛 厉害
			厲害 优秀 優秀 完美 美好 哈哈 赞 讚 舒服 幸福 恭喜 不错 不錯 好吃 加油 满意 滿意 温暖 溫暖 亲爱 親愛`,
		neg: `讨厌 討厭 恨 烦 煩 生气 生氣 难过 難過 伤心 傷心 糟糕 差 垃圾 笨 蠢 傻 傻逼 滚 滾 闭嘴 閉嘴
			混蛋 无聊 無聊 失望 可恶 可惡 恶心 噁心 痛苦 他妈的 他媽的 错 錯 坏 壞 难受 難受 郁闷 鬱悶 不行`,
		zero: `好像 好多 好久 好几 好幾 只好 正好 好不好 你好 您好 差不多 出差 差点 差點 不好意思 爱好 愛好
			没错 沒錯 不客气 不客氣`},
	{lang: "ko",
		pos: `좋 사랑 고마 고맙 감사 최고 행복 기뻐 기쁘 재미있 재밌 멋져 멋있 멋지 예뻐 예쁘 귀여 귀엽 대박
			축하 훌륭 맛있 짱 완벽 신나 즐거 반가 화이팅 파이팅 응원 ㅋㅋ`,
		neg: `싫 짜증 화나 화났 슬퍼 슬프 나쁘 나빠 최악 미워 바보 멍청 개새끼 씨발 시발 병신 닥쳐 지루
			재미없 실망 답답 피곤 힘들 우울 속상 귀찮 무서 꺼져 별로 구려 억울`},
}

// The CJK negators: Chinese and Korean ones written before the word
// (adjacent, or for Korean as the word before it), Japanese and Korean
// endings after it ("好きじゃない", "좋지 않아").
var (
	cjkPreNegators  = []rune("不没沒别別未")
	koreanNegators  = []string{"안", "못"}
	cjkPostNegators = []string{"ない", "なかった", "なく", "くない", "くなかった", "じゃない", "じゃなかった", "ではない", "ません", "ず", "지 않", "지않", "지 못", "지못", "지 마", "지마"}
)

// Emoji and emoticons carry tone in every language.
var (
	positiveEmoji = []rune("❤♥💕💖💗💓💞😍🥰😘😊☺😀😃😄😁😆😂🤣👍🙏🎉🥳👏🙌🤗💯✨😻🌹")
	negativeEmoji = []rune("😡🤬👎😠💔😢😞😔😒🙄😤💩🖕😩😫😖")
	emoticons     = []struct {
		s   string
		pol int8
	}{{":-)", 1}, {":)", 1}, {":-d", 1}, {":d", 1}, {";)", 1}, {";-)", 1}, {":-(", -1}, {":(", -1}, {":'(", -1}}
)

// lex is the lexicon ready for matching.
type lex struct {
	words    map[string]int8 // spaced scripts: whole words
	negators map[string]bool // before the word they flip
	post     map[string]bool // after it
	cjk      map[rune][]cjkEntry
	cjkParts map[string]bool // the CJK entries of a polarity and their parts
	emoji    map[rune]int8
}

type cjkEntry struct {
	s   string
	pol int8
}

var lexiconIndex = sync.OnceValue(func() *lex {
	l := &lex{words: map[string]int8{}, negators: map[string]bool{}, post: map[string]bool{}, cjk: map[rune][]cjkEntry{}, cjkParts: map[string]bool{}, emoji: map[rune]int8{}}
	for _, lang := range lexicon {
		cjk := lang.lang == "ja" || lang.lang == "zh" || lang.lang == "ko"
		for _, side := range []struct {
			words string
			pol   int8
		}{{lang.pos, 1}, {lang.neg, -1}, {lang.zero, 0}} {
			for _, w := range strings.Fields(side.words) {
				if cjk {
					r, _ := utf8.DecodeRuneInString(w)
					l.cjk[r] = append(l.cjk[r], cjkEntry{w, side.pol})
				} else {
					l.words[w] = side.pol
				}
			}
		}
		for _, w := range strings.Fields(lang.pos + " " + lang.neg) {
			if cjk {
				rs := []rune(w)
				for i := range rs {
					for j := i + 1; j <= len(rs); j++ {
						l.cjkParts[string(rs[i:j])] = true
					}
				}
			}
		}
		for _, w := range strings.Fields(lang.negators) {
			l.negators[w] = true
		}
		for _, w := range strings.Fields(lang.post) {
			l.post[w] = true
		}
	}
	for _, es := range l.cjk {
		slices.SortStableFunc(es, func(a, b cjkEntry) int { return cmp.Compare(len(b.s), len(a.s)) })
	}
	for _, r := range positiveEmoji {
		l.emoji[r] = 1
	}
	for _, r := range negativeEmoji {
		l.emoji[r] = -1
	}
	return l
})
