package chatparse

// The platform's words, one row per phrase and language, kept apart from the
// code that matches them so that adding a language is adding rows. The
// wording of messages in a message's place (media, deleted, calls, edits,
// files, locations, polls) is in wording_media.go, each row with its source.
//
// Sources of the notice wording here, by language: en, es, de, fr, pt from
// exports made on phones set to each language and the public parsers' bug
// reports (the project's fixtures hold them). Turkish from the export
// quoted in mtln/chat-export issue 16 where marked "seen", else best
// knowledge. it, nl, ru, id, ja, ko, zh, ar, hi: what other parsers' tables
// list, where marked "table", else our best knowledge of the app's strings,
// not checked against an export. A notice wording the tables lack costs
// little where U+200E marks notices: the structure decides there (see
// whatsapp_signer.go).

// waDayPeriod is a marker of a 12-hour time and the hours it stands for,
// inclusive, on a 24-hour clock (from > to wraps past midnight).
type waDayPeriod struct {
	text     string
	before   bool // written before the time
	from, to int
}

// waDayPeriods are the markers of 12-hour times. The first three are fixed
// (none, AM, PM: Latin AM/PM in its spellings is read by code). The hours
// of the others are CLDR's dayPeriods for each language (the "format"
// names): WhatsApp formats times with the phone's locale, so these are
// the markers an export can hold. Source: CLDR; WhatsApp's use of AM/PM
// markers is seen in exports (zh 上午/下午, ja 午前/午後, ko 오전/오후: the
// fixtures), the finer periods (凌晨, 晚上, 夜, 밤, …) are CLDR's and not
// checked against an export.
var waDayPeriods = []waDayPeriod{
	noPeriod: {},
	periodAM: {"AM", false, 0, 11},
	periodPM: {"PM", false, 12, 23},
	// Chinese, simplified and traditional.
	{"上午", true, 0, 11}, {"下午", true, 12, 23}, {"中午", true, 11, 13},
	{"凌晨", true, 0, 5}, {"早上", true, 5, 8}, {"清晨", true, 5, 8},
	{"傍晚", true, 17, 19}, {"晚上", true, 18, 23}, {"午夜", true, 0, 0},
	// Japanese.
	{"午前", true, 0, 11}, {"午後", true, 12, 23}, {"朝", true, 4, 11}, {"昼", true, 12, 15},
	{"夕方", true, 16, 18}, {"夜", true, 19, 23}, {"夜中", true, 23, 3}, {"真夜中", true, 0, 0},
	// Korean.
	{"오전", true, 0, 11}, {"오후", true, 12, 23}, {"새벽", true, 3, 5}, {"저녁", true, 18, 20},
	{"밤", true, 21, 2}, {"자정", true, 0, 0}, {"정오", true, 12, 12},
	// Turkish (before the time: "ÖS 3:20").
	{"ÖÖ", true, 0, 11}, {"ÖS", true, 12, 23},
	// Arabic (after the time: "3:20 م").
	{"ص", false, 0, 11}, {"م", false, 12, 23},
}

// waDateWords are the unit words of dates written with words, for year,
// month and day: Korean "2024년 1월 15일", Chinese and Japanese
// "2024年1月15日" (CLDR's long date formats).
var waDateWords = [][3]string{
	{"년", "월", "일"},
	{"年", "月", "日"},
}

// waQuoteClosers map each opening quote notices put around group names and
// subjects to the quotes that close it (German „…“ and „…”, French «…»).
var waQuoteClosers = map[rune][]rune{
	'"': {'"'},
	'“': {'”'},
	'„': {'“', '”'},
	'«': {'»'},
	'「': {'」'},
	'『': {'』'},
}

// waQuoteBytes holds the opening quotes, for a quick test before decoding.
const waQuoteBytes = "\"“„«「『"

// waSystemPhrases occur in system notices (matched case-insensitively, as
// substrings). They decide only when the line's shape leaves a doubt: an iOS
// notice signed with the group's name, or an Android notice whose quoted
// subject contains ": ". A line with no "Author: " is a notice whatever it says.
var waSystemPhrases = []string{
	// English
	"end-to-end encrypted", "end-to-end encryption", "created group", "created this group",
	"changed the subject", "changed this group's", "changed the group", "deleted this group's",
	"changed their phone number", "changed to +", " added ", " removed ", " left",
	"changed the group name", "changed the group icon", "changed this group's icon",
	"joined using this group's invite link", "you were added", "you joined",
	"now an admin", "security code", "disappearing messages", "pinned a message",
	"changed the settings", "group settings", "admin approval", "invite link", "this contact",
	// Spanish
	"cifrados de extremo a extremo", "creó el grupo", "cambió el asunto", "cambió el nombre",
	"cambió la descripción", "cambió el ícono", "añadió", "eliminó a", "salió",
	"se unió", "te añadió", "código de seguridad", "mensajes temporales",
	"configuración de", "configuración del grupo", "aprobación", "cambió su número", "ahora eres admin",
	// German
	"ende-zu-ende-verschlüsselt", "hat die gruppe", "hat den betreff", "hat das gruppenbild",
	"hat die gruppenbeschreibung", "hinzugefügt", "entfernt", "hat die gruppe verlassen",
	"hat den gruppennamen",
	"ist über den einladungslink", "sicherheitsnummer", "selbstlöschende nachrichten",
	"gruppeneinstellungen", "einstellungen geändert", "genehmigung", "telefonnummer", "jetzt admin",
	// French
	"chiffrés de bout en bout", "a créé le groupe", "a modifié le sujet", "a changé le sujet",
	"a modifié l'icône", "a modifié la description", "a ajouté", "a retiré", "est parti",
	"a modifié le nom du groupe", "a changé le nom du groupe",
	"vous a ajouté", "code de sécurité", "messages éphémères",
	"a modifié les paramètres", "approbation", "lien d'invitation", "changé de numéro", "désormais admin",
	// Portuguese
	"protegidas com a criptografia de ponta a ponta", "criptografia de ponta-a-ponta",
	"criou o grupo", "mudou o assunto", "alterou o assunto", "mudou a imagem",
	"mudou o nome do grupo", "alterou o nome do grupo",
	"mudou a descrição", "adicionou", "removeu", "saiu", "entrou usando o link",
	"código de segurança", "mensagens temporárias",
	"configurações", "aprovação", "link de convite", "número de telefone", "agora você é admin",
	// Italian (table: creato, aggiunto, rimosso, uscito, oggetto, icona, effimeri)
	"crittografati end-to-end", "crittografia end-to-end", "ha creato il gruppo", "ha aggiunto", "ha rimosso",
	"è uscito", "è uscita", "ha cambiato l'oggetto", "ha cambiato il nome del gruppo", "ha cambiato l'icona",
	"ha cambiato la descrizione", "tramite il link d'invito", "codice di sicurezza", "messaggi effimeri",
	"ti ha aggiunto", "sei stato aggiunto", "impostazioni del gruppo",
	// Dutch (table: versleuteld, toegevoegd, verlaten)
	"end-to-end versleuteld", "heeft de groep", "heeft groep", "toegevoegd", "heeft de groep verlaten",
	"heeft het onderwerp", "heeft de groepsnaam", "groepsafbeelding", "uitnodigingslink", "beveiligingscode",
	"tijdelijke berichten",
	// Russian (table: шифрованием, создал группу, добавил, удалил, покинул, тему, название группы)
	"сквозным шифрованием", "создал группу", "создала группу", "создал(а) группу", "добавил", "удалил",
	"покинул", "вышел из группы", "вышла из группы", "изменил тему", "изменила тему", "изменил(а) тему",
	"название группы", "изображение группы", "описание группы", "по ссылке-приглашению", "код безопасности",
	"исчезающие сообщения",
	// Turkish (seen: şifreli, bu grubu oluşturdu, sizi ekledi, grubun simgesini, grup adını)
	"uçtan uca şifreli", "bu grubu oluşturdu", "grubunu oluşturdu", "sizi ekledi", "grubun simgesini",
	"grup adını", "grup açıklamasını", "gruptan ayrıldı", "davet bağlantısı", "güvenlik kodu", "süreli mesajlar",
	// Indonesian
	"terenkripsi secara end-to-end", "dienkripsi secara end-to-end", "membuat grup", "menambahkan",
	"mengeluarkan", "keluar dari grup", "mengubah subjek", "mengubah nama grup", "mengubah ikon grup",
	"tautan undangan", "kode keamanan", "pesan sementara",
	// Japanese (table: 追加しました, 退出しました, グループ名, 招待リンク, セキュリティコード, 消えるメッセージ)
	"エンドツーエンド", "を作成しました", "を追加しました", "退出しました", "グループ名を", "グループのアイコン",
	"グループの説明", "招待リンク", "セキュリティコード", "消えるメッセージ", "電話番号を変更しました",
	// Korean (table: 종단간 암호화, 만들었습니다, 추가했습니다, 내보냈습니다, 나갔습니다, 사라지는 메시지)
	"종단간 암호화", "엔드투엔드 암호화", "그룹을 만들었습니다", "추가했습니다", "내보냈습니다", "나갔습니다",
	"그룹 이름을", "그룹 아이콘을", "초대 링크", "보안 코드", "사라지는 메시지", "번호를 변경했습니다",
	// Chinese, simplified and traditional (table: 端到端加密, 端對端加密, 建立了群組, 新增了, 移除了, 退出了)
	"端到端加密", "端對端加密", "创建了群组", "建立了群組", "创建了群", "添加了", "新增了", "移除了", "退出了",
	"更改了群组名称", "更改了群組名稱", "更改了群组头像", "更換了群組圖示", "邀请链接", "邀請連結", "安全码",
	"安全碼", "限时消息", "限時訊息",
	// Arabic (table: مشفرة تماما, أنشأ المجموعة, بإضافة, غادر)
	"مشفرة تماما", "بين الطرفين", "أنشأ المجموعة", "أنشأ مجموعة", "بإضافة", "أضاف", "أزال", "غادر",
	"اسم المجموعة", "رابط الدعوة", "رمز الأمان", "الرسائل المؤقتة",
	// Hindi
	"एंड-टू-एंड एन्क्रिप्टेड", "एंड-टू-एंड एन्क्रिप्ट", "ने ग्रुप बनाया", "ने समूह बनाया", "को जोड़ा", "को हटाया",
	"ने ग्रुप छोड़ा", "ने समूह छोड़ दिया", "ग्रुप का नाम", "सुरक्षा कोड", "गायब होने वाले मैसेज",
}

// waSystemSubjects are system phrases that can end up before a ": " when the
// notice quotes text (`Ann changed the subject from "a" to "b: c"`): an
// "author" holding one is the start of a notice, not a person's name.
var waSystemSubjects = []string{
	// English
	"created group", "changed the subject", "changed the group name", "changed the group description",
	"changed this group's",
	// Spanish
	"creó el grupo", "cambió el asunto", "cambió el nombre", "cambió la descripción",
	// German
	"hat die gruppe", "hat den betreff", "hat den gruppennamen", "hat die gruppenbeschreibung",
	// French
	"a créé le groupe", "a modifié le sujet", "a changé le sujet", "a modifié le nom du groupe",
	"a changé le nom du groupe", "a modifié la description",
	// Portuguese
	"criou o grupo", "mudou o assunto", "alterou o assunto", "mudou o nome do grupo",
	"alterou o nome do grupo", "mudou a descrição",
	// Italian, Dutch, Russian, Turkish, Indonesian (sources as for waSystemPhrases)
	"ha creato il gruppo", "ha cambiato l'oggetto", "ha cambiato il nome del gruppo", "ha cambiato la descrizione",
	"heeft groep", "heeft het onderwerp", "heeft de groepsnaam",
	"создал группу", "создала группу", "создал(а) группу", "изменил тему", "изменила тему", "изменил(а) тему",
	"grubunu oluşturdu", "grup adını",
	"membuat grup", "mengubah subjek", "mengubah nama grup",
}

// waEncryptionPhrases open every chat; on iOS the name that signs them is
// the group's, which then signs every other notice too.
var waEncryptionPhrases = []string{
	"end-to-end encrypted", "end-to-end encryption", "cifrados de extremo a extremo",
	"ende-zu-ende-verschlüsselt", "chiffrés de bout en bout",
	"protegidas com a criptografia de ponta a ponta", "criptografia de ponta-a-ponta",
	"crittografati end-to-end", "crittografia end-to-end", // it (table)
	"end-to-end versleuteld",                                        // nl (table)
	"сквозным шифрованием",                                          // ru (table)
	"uçtan uca şifreli",                                             // tr (seen)
	"terenkripsi secara end-to-end", "dienkripsi secara end-to-end", // id
	"エンドツーエンドで暗号化", "エンドツーエンド暗号化", // ja (table)
	"종단간 암호화", "엔드투엔드 암호화", // ko (table)
	"端到端加密", "端對端加密", // zh (table)
	"مشفرة تماما", "مشفرة بين الطرفين", // ar (table)
	"एंड-टू-एंड एन्क्रिप्टेड", // hi
}

// Notice templates are whole notices, lower-cased: "*" stands for some text
// (a quoted subject, a tail), "@" for a name or a list of names, and a
// leading "*" for the notice's subject, a name; a trailing "." is ignored.
// They decide only where marks were stripped and the notice's signer might
// be a person (see waParser.signedNotice): a phrase anywhere in the text
// would make "I left my keys" a notice.

// waGroupNoticeTemplates are notices only a group has: its creation,
// members, subject, icon, description and settings.
var waGroupNoticeTemplates = []string{
	// English
	"* created group *", "* created this group", "* added @", "* removed @", "* left",
	"* joined using * invite link*", "* changed the subject from * to *",
	"* changed the subject to *", "* changed the group name from * to *", "* changed the group name to *",
	"* changed this group's *", "* deleted this group's icon", "* changed the group description",
	"* deleted the group description", "* changed the group settings*", "* changed the settings*",
	"* turned on admin approval*", "* turned off admin approval*", "* reset this group's invite link",
	"you were added", "you're now an admin", "messages to this group are now secured*",
	// Spanish
	"* creó el grupo *", "* creó este grupo", "* añadió a @", "* te añadió", "* eliminó a @",
	"* salió del grupo", "* salió", "* se unió usando * enlace de invitación*",
	"* cambió el asunto de * a *", "* cambió el asunto a *", "* cambió el nombre del grupo*",
	"* cambió la descripción del grupo", "* cambió el ícono de este grupo", "* cambió el icono de este grupo",
	"* cambió la configuración de este grupo*", "* cambió la configuración del grupo*", "* cambió los ajustes*",
	"* activó la aprobación*", "* desactivó la aprobación*", "ahora eres admin*",
	// German
	"* hat die gruppe * erstellt", "* hat diese gruppe erstellt", "* hat @ hinzugefügt", "* hat @ entfernt",
	"* hat die gruppe verlassen", "* ist über * einladungslink * beigetreten",
	"* hat den betreff von * zu * geändert", "* hat den betreff zu * geändert",
	"* hat den gruppennamen * geändert", "* hat das gruppenbild geändert", "* hat das gruppenbild gelöscht",
	"* hat die gruppenbeschreibung geändert", "* hat die gruppeneinstellungen geändert*",
	"* hat die einstellungen * geändert*", "* hat * genehmigung * aktiviert*", "* hat * genehmigung * deaktiviert*",
	"du wurdest hinzugefügt", "du bist jetzt admin*",
	// French
	"* a créé le groupe *", "* a créé ce groupe", "* a ajouté @", "* vous a ajouté", "* a retiré @",
	"* est parti", "* est partie", "* est parti(e)", "* a rejoint * via * lien d'invitation*",
	"* a modifié le sujet *", "* a changé le sujet *", "* a modifié le nom du groupe*",
	"* a changé le nom du groupe*", "* a modifié l'icône de ce groupe", "* a modifié la description du groupe",
	"* a modifié les paramètres*", "* a activé l'approbation*", "* a désactivé l'approbation*",
	"vous êtes désormais admin*", "vous êtes maintenant admin*",
	// Portuguese
	"* criou o grupo *", "* criou este grupo", "* adicionou @", "* removeu @", "* saiu",
	"* entrou usando * link de convite*", "* mudou o assunto de * para *",
	"* mudou o assunto para *", "* alterou o assunto *", "* mudou o nome do grupo*",
	"* alterou o nome do grupo*", "* mudou a imagem deste grupo", "* mudou a descrição do grupo",
	"* alterou a descrição do grupo", "* mudou as configurações*", "* alterou as configurações*",
	"* ativou a aprovação*", "* desativou a aprovação*", "agora você é admin*", "você foi adicionado*",
	// Italian
	"* ha creato il gruppo *", "* ha aggiunto @", "* ti ha aggiunto", "* ha rimosso @", "* è uscito", "* è uscita",
	"* si è unito tramite il link d'invito*", "* ha cambiato l'oggetto *", "* ha cambiato il nome del gruppo*",
	"* ha cambiato l'icona di questo gruppo", "* ha cambiato la descrizione del gruppo",
	// Dutch
	"* heeft groep * aangemaakt", "* heeft @ toegevoegd", "* heeft @ verwijderd", "* heeft de groep verlaten",
	"* is lid geworden via de uitnodigingslink*", "* heeft het onderwerp * gewijzigd*", "* heeft de groepsnaam * gewijzigd*",
	// Russian
	"* создал группу *", "* создала группу *", "* создал(а) группу *", "* добавил @", "* добавила @", "* добавил(а) @",
	"* удалил @", "* удалила @", "* удалил(а) @", "* покинул группу", "* покинула группу", "* покинул(а) группу",
	"* вышел", "* вышла", "* изменил тему *", "* изменила тему *", "* изменил(а) тему *",
	// Turkish (seen: "bu grubu oluşturdu", "sizi ekledi", "grubun simgesini değiştirdi", "grup adını … olarak değiştirdi")
	"* bu grubu oluşturdu", "* * grubunu oluşturdu", "* sizi ekledi", "* @ kişisini ekledi", "* @ kişisini çıkardı",
	"* gruptan ayrıldı", "* ayrıldı", "* bu grubun simgesini değiştirdi", "* grup adını * olarak değiştirdi",
	"* davet bağlantısıyla katıldı",
	// Indonesian
	"* membuat grup *", "* menambahkan @", "* mengeluarkan @", "* keluar", "* mengubah subjek *",
	"* mengubah nama grup *", "* bergabung menggunakan tautan undangan*",
	// Japanese (the actor's name runs into the particle: "山田さんが…")
	"*がグループ*を作成しました", "*が@を追加しました", "*が@を削除しました", "*が退出しました",
	"*がグループ名を*に変更しました", "*が招待リンクから参加しました",
	// Korean
	"*님이 그룹*을 만들었습니다", "*님이 @님을 추가했습니다", "*님이 @님을 내보냈습니다", "*님이 나갔습니다",
	// Chinese
	"*创建了群组*", "*建立了群組*", "*添加了@", "*新增了@", "*移除了@", "*退出了群组", "*退出了群組", "*退出了",
	// Arabic
	"* أنشأ المجموعة *", "* أضاف @", "* أزال @", "* غادر",
	// Hindi
	"* ने ग्रुप * बनाया", "* ने @ को जोड़ा", "* ने @ को हटाया", "* ने ग्रुप छोड़ा",
}

// waPairNoticeTemplates are the notices a one-to-one chat has too:
// encryption, security code, number change, disappearing messages, pins,
// blocking.
var waPairNoticeTemplates = []string{
	// English
	"messages and calls are end-to-end encrypted*", "your security code with * changed*",
	"* changed their phone number*", "* changed to @", "* pinned a message", "* unpinned a message",
	"* turned on disappearing messages*", "* turned off disappearing messages*",
	"you blocked this contact*", "you unblocked this contact*",
	"messages to this group are now secured with end-to-end encryption*",
	"messages you send to this group are now secured with end-to-end encryption*",
	"messages you send to this chat and calls are now secured with end-to-end encryption*",
	"messages to this chat and calls are now secured with end-to-end encryption*",
	// Spanish
	"los mensajes y las llamadas están cifrados de extremo a extremo*", "tu código de seguridad con * cambió*",
	"* cambió su número de teléfono*", "* cambió a @", "* fijó un mensaje", "* dejó de fijar un mensaje",
	"* activó los mensajes temporales*", "* desactivó los mensajes temporales*",
	"bloqueaste a este contacto*", "desbloqueaste a este contacto*",
	// German
	"nachrichten und anrufe sind ende-zu-ende-verschlüsselt*", "deine sicherheitsnummer für * hat sich geändert*",
	"* hat * telefonnummer * geändert*", "* hat eine nachricht angeheftet", "* hat eine nachricht losgelöst",
	"* hat selbstlöschende nachrichten aktiviert*", "* hat selbstlöschende nachrichten deaktiviert*",
	"du hast diesen kontakt blockiert*", "du hast diesen kontakt freigegeben*",
	// French
	"les messages et les appels sont chiffrés de bout en bout*", "votre code de sécurité avec * a changé*",
	"* a changé de numéro*", "* a changé son numéro*", "* a épinglé un message", "* a désépinglé un message",
	"* a activé les messages éphémères*", "* a désactivé les messages éphémères*",
	"vous avez bloqué ce contact*", "vous avez débloqué ce contact*",
	// Portuguese
	"as mensagens e as chamadas são protegidas com a criptografia de ponta a ponta*",
	"seu código de segurança com * mudou*", "* mudou seu número de telefone*", "* mudou o número de telefone*",
	"* fixou uma mensagem", "* desafixou uma mensagem",
	"* ativou as mensagens temporárias*", "* desativou as mensagens temporárias*",
	"você bloqueou este contato*", "você desbloqueou este contato*",
	// Italian, Dutch, Russian, Turkish (seen), Indonesian, Japanese, Korean, Chinese, Arabic, Hindi
	"i messaggi e le chiamate sono crittografati end-to-end*", "il tuo codice di sicurezza con * è cambiato*",
	"hai bloccato questo contatto*",
	"berichten en gesprekken zijn end-to-end versleuteld*", "je beveiligingscode met * is gewijzigd*",
	"сообщения и звонки защищены сквозным шифрованием*", "ваш код безопасности для * изменился*",
	"mesajlar ve aramalar uçtan uca şifrelidir*",
	"pesan dan panggilan terenkripsi secara end-to-end*",
	"メッセージと通話はエンドツーエンドで暗号化されています*",
	"메시지와 통화는 종단간 암호화*",
	"消息和通话都进行端到端加密*", "訊息和通話都經過端對端加密*",
	"الرسائل والمكالمات مشفرة تماما*",
	"संदेश और कॉल एंड-टू-एंड एन्क्रिप्टेड हैं*",
}

// waAndWords join the last two names of a list in a notice.
var waAndWords = []string{" and ", " y ", " und ", " et ", " e ", " en ", " и ", " ve ", " dan ", "、", " 및 ", "和", " و", " और "}

// waNotNameStarts are words a name in a notice never starts with: pronouns,
// articles and adverbs, so that "I added the photos", "Ya salió", "Il est
// parti" and "You added me" are a person's words. Words that are also
// common names are left out (Turkish "ben", Indonesian "dia", Italian "lei").
var waNotNameStarts = map[string]bool{
	// English
	"i": true, "i'm": true, "i've": true, "me": true, "my": true, "he": true, "him": true, "she": true,
	"her": true, "it": true, "we": true, "us": true, "they": true, "them": true, "this": true, "that": true,
	"these": true, "those": true, "there": true, "the": true, "a": true, "an": true, "your": true,
	"someone": true, "somebody": true, "everyone": true, "everybody": true, "something": true,
	"everything": true, "who": true, "what": true, "just": true, "also": true, "already": true,
	// Spanish
	"yo": true, "él": true, "el": true, "ella": true, "ellos": true, "ellas": true, "nosotros": true,
	"lo": true, "los": true, "las": true, "les": true, "eso": true, "esto": true, "ya": true,
	"alguien": true, "todos": true, "se": true, "mi": true, "mí": true, "una": true, "también": true,
	// German
	"ich": true, "mich": true, "mir": true, "er": true, "ihn": true, "ihm": true, "sie": true, "es": true,
	"wir": true, "uns": true, "ihr": true, "das": true, "der": true, "die": true, "ein": true, "eine": true,
	"man": true, "jemand": true, "alle": true, "dich": true, "dir": true, "schon": true,
	// French
	"je": true, "j'ai": true, "moi": true, "il": true, "elle": true, "on": true, "nous": true, "ils": true,
	"elles": true, "ce": true, "ça": true, "cela": true, "le": true, "la": true, "lui": true,
	"quelqu'un": true, "tout": true, "tous": true, "toi": true, "déjà": true,
	// Portuguese
	"eu": true, "ele": true, "ela": true, "eles": true, "elas": true, "nós": true, "isso": true,
	"isto": true, "alguém": true, "já": true, "o": true, "os": true, "as": true, "um": true, "mim": true,
	// Italian
	"io": true, "noi": true, "voi": true, "loro": true, "questo": true,
	"quello": true, "gli": true, "un": true, "qualcuno": true, "anche": true, "già": true,
	// Dutch
	"ik": true, "hij": true, "zij": true, "ze": true, "wij": true, "het": true, "een": true,
	"dit": true, "dat": true, "iemand": true, "ook": true,
	// Russian
	"я": true, "он": true, "она": true, "мы": true, "они": true, "это": true, "кто-то": true, "уже": true,
	// Turkish
	"biz": true, "onlar": true, "bu": true, "şu": true, "biri": true,
	// Indonesian
	"aku": true, "saya": true, "kami": true, "mereka": true, "ini": true, "itu": true,
}

// waYou are the words a notice uses for the exporting user.
var waYou = map[string]bool{"you": true, "tú": true, "du": true, "vous": true, "você": true,
	"tu": true, "jij": true, "je": true, "u": true, "вы": true, "ты": true, "siz": true, "sen": true,
	"anda": true, "kamu": true, "あなた": true, "당신": true, "你": true, "您": true, "أنت": true, "आप": true}
