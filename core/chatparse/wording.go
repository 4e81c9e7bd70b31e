package chatparse

import "github.com/chatlens/chatlens/core"

// The platform's words, one row per phrase and language, kept apart from the
// code that matches them so that adding a language is adding rows. Sources:
// exports made on phones set to each language, and the public parsers' bug
// reports. Languages: en, es, de, fr, pt (and it, nl where known).

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
}

// waQuoteBytes holds the opening quotes, for a quick test before decoding.
const waQuoteBytes = "\"“„«"

// waPlaceholder is a whole message body that stands for something else.
type waPlaceholder struct {
	text  string
	kind  core.MessageKind
	media string // media type for media and stickers
}

// waPlaceholders are matched against the whole first line of the body (a
// trailing "." is ignored), or against what precedes its first "," or "."
// ("Missed voice call, Tap to call back"). Android writes one word for all
// media; iOS names the kind.
var waPlaceholders = []waPlaceholder{
	// Android, all media.
	{"<Media omitted>", core.MessageMedia, ""},
	{"<Multimedia omitido>", core.MessageMedia, ""},
	{"<Archivo omitido>", core.MessageMedia, ""},
	{"<Medien ausgeschlossen>", core.MessageMedia, ""},
	{"<Médias omis>", core.MessageMedia, ""},
	{"<Mídia oculta>", core.MessageMedia, ""},
	{"<Arquivo de mídia oculto>", core.MessageMedia, ""},
	{"<Multimédia omitido>", core.MessageMedia, ""},
	{"<Media omessi>", core.MessageMedia, ""},
	{"<Media weggelaten>", core.MessageMedia, ""},
	// iOS, by kind.
	{"image omitted", core.MessageMedia, "image"},
	{"video omitted", core.MessageMedia, "video"},
	{"audio omitted", core.MessageMedia, "audio"},
	{"GIF omitted", core.MessageMedia, "gif"},
	{"document omitted", core.MessageMedia, "document"},
	{"Contact card omitted", core.MessageMedia, "contact"},
	{"sticker omitted", core.MessageSticker, "sticker"},
	{"video note omitted", core.MessageMedia, "video"},
	{"imagen omitida", core.MessageMedia, "image"},
	{"video omitido", core.MessageMedia, "video"},
	{"audio omitido", core.MessageMedia, "audio"},
	{"GIF omitido", core.MessageMedia, "gif"},
	{"documento omitido", core.MessageMedia, "document"},
	{"Tarjeta de contacto omitida", core.MessageMedia, "contact"},
	{"sticker omitido", core.MessageSticker, "sticker"},
	{"Bild weggelassen", core.MessageMedia, "image"},
	{"Video weggelassen", core.MessageMedia, "video"},
	{"Audio weggelassen", core.MessageMedia, "audio"},
	{"GIF weggelassen", core.MessageMedia, "gif"},
	{"Dokument weggelassen", core.MessageMedia, "document"},
	{"Kontaktkarte ausgelassen", core.MessageMedia, "contact"},
	{"Sticker weggelassen", core.MessageSticker, "sticker"},
	{"image absente", core.MessageMedia, "image"},
	{"vidéo absente", core.MessageMedia, "video"},
	{"audio omis", core.MessageMedia, "audio"},
	{"GIF retiré", core.MessageMedia, "gif"},
	{"document omis", core.MessageMedia, "document"},
	{"autocollant omis", core.MessageSticker, "sticker"},
	{"imagem ocultada", core.MessageMedia, "image"},
	{"vídeo omitido", core.MessageMedia, "video"},
	{"áudio ocultado", core.MessageMedia, "audio"},
	{"GIF omitido", core.MessageMedia, "gif"},
	{"documento omitido", core.MessageMedia, "document"},
	{"figurinha omitida", core.MessageSticker, "sticker"},
	// Deleted messages, by the author and by someone else.
	{"This message was deleted", core.MessageDeleted, ""},
	{"You deleted this message", core.MessageDeleted, ""},
	{"Se eliminó este mensaje", core.MessageDeleted, ""},
	{"Eliminaste este mensaje", core.MessageDeleted, ""},
	{"Este mensaje fue eliminado", core.MessageDeleted, ""},
	{"Diese Nachricht wurde gelöscht", core.MessageDeleted, ""},
	{"Du hast diese Nachricht gelöscht", core.MessageDeleted, ""},
	{"Ce message a été supprimé", core.MessageDeleted, ""},
	{"Vous avez supprimé ce message", core.MessageDeleted, ""},
	{"Esta mensagem foi apagada", core.MessageDeleted, ""},
	{"Você apagou esta mensagem", core.MessageDeleted, ""},
	{"Mensagem apagada", core.MessageDeleted, ""},
	// Calls.
	{"Missed voice call", core.MessageCall, ""},
	{"Missed video call", core.MessageCall, ""},
	{"Voice call", core.MessageCall, ""},
	{"Video call", core.MessageCall, ""},
	{"Llamada perdida", core.MessageCall, ""},
	{"Llamada de voz perdida", core.MessageCall, ""},
	{"Videollamada perdida", core.MessageCall, ""},
	{"Verpasster Sprachanruf", core.MessageCall, ""},
	{"Verpasster Videoanruf", core.MessageCall, ""},
	{"Appel vocal manqué", core.MessageCall, ""},
	{"Appel vidéo manqué", core.MessageCall, ""},
	{"Chamada de voz perdida", core.MessageCall, ""},
	{"Chamada de vídeo perdida", core.MessageCall, ""},
}

// waDocumentSuffixes end an iOS document placeholder that names the file:
// "Report.pdf • 3 pages document omitted" (marks removed).
var waDocumentSuffixes = []string{
	" document omitted", " documento omitido", " Dokument weggelassen", " document omis",
}

// waAttachmentForms name a file in the body: iOS "<attached: NAME>", Android
// "NAME (file attached)". The caption, if any, follows on the next lines.
var waAttachmentForms = []struct{ prefix, suffix string }{
	{"<attached: ", ">"},
	{"<adjunto: ", ">"},
	{"<Anhang: ", ">"},
	{"<pièce jointe : ", ">"},
	{"<pièce jointe: ", ">"},
	{"<anexado: ", ">"},
	{"", " (file attached)"},
	{"", " (archivo adjunto)"},
	{"", " (Datei angehängt)"},
	{"", " (fichier joint)"},
	{"", " (arquivo anexado)"},
	{"", " (ficheiro anexado)"},
}

// waBodyPrefixes mark a location or a poll at the start of the body.
var waBodyPrefixes = []struct {
	prefix string
	kind   core.MessageKind
}{
	{"location: ", core.MessageLocation},
	{"Location: ", core.MessageLocation},
	{"ubicación: ", core.MessageLocation},
	{"Ubicación: ", core.MessageLocation},
	{"Standort: ", core.MessageLocation},
	{"position : ", core.MessageLocation},
	{"Position : ", core.MessageLocation},
	{"localização: ", core.MessageLocation},
	{"Localização: ", core.MessageLocation},
	{"POLL:", core.MessagePoll},
	{"ENCUESTA:", core.MessagePoll},
	{"UMFRAGE:", core.MessagePoll},
	{"SONDAGE :", core.MessagePoll},
	{"SONDAGE:", core.MessagePoll},
	{"ENQUETE:", core.MessagePoll},
}

// waEditedMarkers end the body of an edited message.
var waEditedMarkers = []string{
	"<This message was edited>",
	"<Se editó este mensaje.>",
	"<Se editó este mensaje>",
	"<Diese Nachricht wurde bearbeitet>",
	"<Ce message a été modifié>",
	"<Esta mensagem foi editada>",
	"<Mensagem editada>",
}

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
}

// waEncryptionPhrases open every chat; on iOS the name that signs them is
// the group's, which then signs every other notice too.
var waEncryptionPhrases = []string{
	"end-to-end encrypted", "end-to-end encryption", "cifrados de extremo a extremo",
	"ende-zu-ende-verschlüsselt", "chiffrés de bout en bout",
	"protegidas com a criptografia de ponta a ponta", "criptografia de ponta-a-ponta",
}

// waMediaByFileName maps parts of attachment names to media types, in the
// order they are tried (WhatsApp names files like "00000012-PHOTO-….jpg" or
// "IMG-20240101-WA0001.jpg").
var waMediaByFileName = []struct{ part, media string }{
	{"STICKER", "sticker"}, {".webp", "sticker"},
	{"PHOTO", "image"}, {"IMG-", "image"}, {".jpg", "image"}, {".jpeg", "image"}, {".png", "image"},
	{"GIF", "gif"}, {".gif", "gif"},
	{"VIDEO", "video"}, {"VID-", "video"}, {".mp4", "video"}, {".mov", "video"},
	{"AUDIO", "audio"}, {"PTT-", "audio"}, {"AUD-", "audio"}, {".opus", "audio"}, {".m4a", "audio"}, {".mp3", "audio"},
	{".vcf", "contact"},
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
}

// waAndWords join the last two names of a list in a notice.
var waAndWords = []string{" and ", " y ", " und ", " et ", " e "}

// waNotNameStarts are words a name in a notice never starts with: pronouns,
// articles and adverbs, so that "I added the photos", "Ya salió", "Il est
// parti" and "You added me" are a person's words.
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
}

// waYou are the words a notice uses for the exporting user.
var waYou = map[string]bool{"you": true, "tú": true, "du": true, "vous": true, "você": true}
