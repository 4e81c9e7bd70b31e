package chatparse

import "github.com/chatlens/chatlens/core"

// The words WhatsApp writes in a message's place: media left out of the
// export, deleted messages, calls, edited marks, locations, polls and files,
// in the phone's language. All are compared ignoring case (exports write
// both "<Media omitted>" and "<media omitted>"); every row says where its
// wording comes from, so that a wrong one can be weighed and replaced.

// wordingSource is where a wording comes from.
type wordingSource uint8

const (
	// fromExport: seen in a real export, this project's fixtures or one
	// quoted in a public bug report (named in a comment on the row).
	fromExport wordingSource = iota + 1
	// fromTable: listed by other parsers' wording tables, not checked here
	// against an export. mlomb/chat-analytics (pipeline/parse/parsers/WhatsApp.ts)
	// lists Android's "<Media omitted>" in sixty languages, two spellings
	// each (older and newer app versions); the per-kind, deleted and call
	// rows so marked come from the pattern lists of other open-source
	// WhatsApp parsers, which agree on them but cite no export either.
	fromTable
	// fromGuess: our best knowledge of the app's string in that language,
	// checked against nothing; the rows likeliest to be wrong. A wrong one
	// costs little (a message its wording never matches stays text), which
	// is why it is kept rather than left out.
	fromGuess
)

// waPlaceholder is a whole first line of a body that stands for something
// else.
type waPlaceholder struct {
	lang  string
	src   wordingSource
	kind  core.MessageKind
	media string // media type for media and stickers
	text  string
}

// waPlaceholders are matched, ignoring case, against the whole first line of
// the body (a trailing "." or "。" is ignored), and calls also against what
// precedes its first "," or "." ("Missed voice call, Tap to call back").
// Android writes one placeholder for all media; iOS names the kind.
var waPlaceholders = []waPlaceholder{
	// Android, all media.
	{"en", fromExport, core.MessageMedia, "", "<Media omitted>"},
	{"es", fromExport, core.MessageMedia, "", "<Multimedia omitido>"},
	{"es", fromTable, core.MessageMedia, "", "<Archivo omitido>"},
	{"de", fromExport, core.MessageMedia, "", "<Medien ausgeschlossen>"},
	{"de", fromTable, core.MessageMedia, "", "<Medien weggelassen>"},
	{"fr", fromExport, core.MessageMedia, "", "<Médias omis>"},
	{"fr", fromTable, core.MessageMedia, "", "<Fichier omis>"},
	{"pt", fromExport, core.MessageMedia, "", "<Mídia oculta>"},
	{"pt", fromExport, core.MessageMedia, "", "<Arquivo de mídia oculto>"},
	{"pt", fromGuess, core.MessageMedia, "", "<Multimédia omitido>"},
	{"pt", fromTable, core.MessageMedia, "", "<Mídia omitida>"},
	{"pt", fromTable, core.MessageMedia, "", "<Ficheiro não revelado>"},
	{"it", fromTable, core.MessageMedia, "", "<Media omessi>"},
	{"it", fromTable, core.MessageMedia, "", "<Media omesso>"},
	{"nl", fromTable, core.MessageMedia, "", "<Media weggelaten>"},
	{"ru", fromTable, core.MessageMedia, "", "<Без медиафайлов>"},
	{"ru", fromTable, core.MessageMedia, "", "<Файл пропущен>"},
	{"tr", fromTable, core.MessageMedia, "", "<Medya dahil edilmedi>"},
	{"tr", fromTable, core.MessageMedia, "", "<Medya atlanmış>"},
	{"id", fromTable, core.MessageMedia, "", "<Media tidak disertakan>"},
	{"ja", fromTable, core.MessageMedia, "", "<メディアなし>"},
	{"ja", fromTable, core.MessageMedia, "", "<メディアは含まれていません>"},
	{"ko", fromTable, core.MessageMedia, "", "<미디어 파일 제외됨>"},
	{"ko", fromTable, core.MessageMedia, "", "<미디어 파일을 생략한 대화내용>"},
	{"zh-Hant", fromTable, core.MessageMedia, "", "<忽略多媒體檔>"},
	{"zh-Hans", fromTable, core.MessageMedia, "", "<省略多媒体文件>"},
	{"ar", fromTable, core.MessageMedia, "", "<تم استبعاد الوسائط>"},
	{"hi", fromTable, core.MessageMedia, "", "<मीडिया के बिना>"},

	// iOS, by kind.
	{"en", fromExport, core.MessageMedia, "image", "image omitted"},
	{"en", fromExport, core.MessageMedia, "video", "video omitted"},
	{"en", fromExport, core.MessageMedia, "audio", "audio omitted"},
	{"en", fromExport, core.MessageMedia, "gif", "GIF omitted"},
	{"en", fromExport, core.MessageMedia, "document", "document omitted"},
	{"en", fromExport, core.MessageMedia, "contact", "Contact card omitted"},
	{"en", fromExport, core.MessageSticker, "sticker", "sticker omitted"},
	{"en", fromExport, core.MessageMedia, "video", "video note omitted"},
	{"es", fromExport, core.MessageMedia, "image", "imagen omitida"},
	{"es", fromExport, core.MessageMedia, "video", "video omitido"},
	{"es", fromExport, core.MessageMedia, "audio", "audio omitido"},
	{"es", fromExport, core.MessageMedia, "gif", "GIF omitido"},
	{"es", fromExport, core.MessageMedia, "document", "documento omitido"},
	{"es", fromExport, core.MessageMedia, "contact", "Tarjeta de contacto omitida"},
	{"es", fromExport, core.MessageSticker, "sticker", "sticker omitido"},
	{"de", fromExport, core.MessageMedia, "image", "Bild weggelassen"},
	{"de", fromExport, core.MessageMedia, "video", "Video weggelassen"},
	{"de", fromExport, core.MessageMedia, "audio", "Audio weggelassen"},
	{"de", fromExport, core.MessageMedia, "gif", "GIF weggelassen"},
	{"de", fromExport, core.MessageMedia, "document", "Dokument weggelassen"},
	{"de", fromExport, core.MessageMedia, "contact", "Kontaktkarte ausgelassen"},
	{"de", fromExport, core.MessageSticker, "sticker", "Sticker weggelassen"},
	{"fr", fromExport, core.MessageMedia, "image", "image absente"},
	{"fr", fromExport, core.MessageMedia, "video", "vidéo absente"},
	{"fr", fromExport, core.MessageMedia, "audio", "audio omis"},
	{"fr", fromExport, core.MessageMedia, "gif", "GIF retiré"},
	{"fr", fromExport, core.MessageMedia, "document", "document omis"},
	{"fr", fromExport, core.MessageSticker, "sticker", "autocollant omis"},
	{"pt", fromExport, core.MessageMedia, "image", "imagem ocultada"},
	{"pt", fromExport, core.MessageMedia, "video", "vídeo omitido"},
	{"pt", fromExport, core.MessageMedia, "audio", "áudio ocultado"},
	{"pt", fromExport, core.MessageSticker, "sticker", "figurinha omitida"},
	// Italian: the first three as an Italian user's script lists them,
	// each after U+200E as iOS writes it.
	{"it", fromExport, core.MessageMedia, "image", "immagine omessa"},
	{"it", fromExport, core.MessageMedia, "video", "video omesso"},
	{"it", fromExport, core.MessageMedia, "gif", "GIF esclusa"},
	{"it", fromTable, core.MessageMedia, "audio", "audio omesso"},
	{"it", fromTable, core.MessageMedia, "document", "documento omesso"},
	{"it", fromTable, core.MessageSticker, "sticker", "sticker non incluso"},
	{"it", fromGuess, core.MessageMedia, "contact", "scheda contatto omessa"},
	{"nl", fromGuess, core.MessageMedia, "image", "afbeelding weggelaten"},
	{"nl", fromGuess, core.MessageMedia, "video", "video weggelaten"},
	{"nl", fromGuess, core.MessageMedia, "audio", "audio weggelaten"},
	{"nl", fromGuess, core.MessageMedia, "gif", "GIF weggelaten"},
	{"nl", fromGuess, core.MessageMedia, "document", "document weggelaten"},
	{"nl", fromGuess, core.MessageMedia, "contact", "contactkaart weggelaten"},
	{"nl", fromGuess, core.MessageSticker, "sticker", "sticker weggelaten"},
	{"ru", fromGuess, core.MessageMedia, "image", "изображение отсутствует"},
	{"ru", fromGuess, core.MessageMedia, "video", "видео отсутствует"},
	{"ru", fromGuess, core.MessageMedia, "audio", "аудио отсутствует"},
	{"ru", fromGuess, core.MessageMedia, "gif", "GIF отсутствует"},
	{"ru", fromGuess, core.MessageMedia, "document", "документ отсутствует"},
	{"ru", fromGuess, core.MessageMedia, "contact", "карточка контакта отсутствует"},
	{"ru", fromGuess, core.MessageSticker, "sticker", "стикер отсутствует"},
	// Turkish: "görüntü dahil edilmedi" is in the export quoted in
	// mtln/chat-export issue 16.
	{"tr", fromExport, core.MessageMedia, "image", "görüntü dahil edilmedi"},
	{"tr", fromGuess, core.MessageMedia, "video", "video dahil edilmedi"},
	{"tr", fromGuess, core.MessageMedia, "audio", "ses dahil edilmedi"},
	{"tr", fromGuess, core.MessageMedia, "gif", "GIF dahil edilmedi"},
	{"tr", fromGuess, core.MessageMedia, "document", "belge dahil edilmedi"},
	{"tr", fromGuess, core.MessageMedia, "contact", "kişi kartı dahil edilmedi"},
	{"tr", fromGuess, core.MessageSticker, "sticker", "çıkartma dahil edilmedi"},
	{"id", fromGuess, core.MessageMedia, "image", "gambar tidak disertakan"},
	{"id", fromGuess, core.MessageMedia, "video", "video tidak disertakan"},
	{"id", fromGuess, core.MessageMedia, "audio", "audio tidak disertakan"},
	{"id", fromGuess, core.MessageMedia, "gif", "GIF tidak disertakan"},
	{"id", fromGuess, core.MessageMedia, "document", "dokumen tidak disertakan"},
	{"id", fromGuess, core.MessageMedia, "contact", "kartu kontak tidak disertakan"},
	{"id", fromGuess, core.MessageSticker, "sticker", "stiker tidak disertakan"},
	{"ja", fromTable, core.MessageMedia, "image", "画像は省略されました"},
	{"ja", fromTable, core.MessageMedia, "video", "動画は省略されました"},
	{"ja", fromTable, core.MessageMedia, "audio", "音声メッセージは省略されました"},
	{"ja", fromTable, core.MessageMedia, "gif", "GIFは省略されました"},
	{"ja", fromTable, core.MessageMedia, "document", "文書は省略されました"},
	{"ja", fromTable, core.MessageMedia, "contact", "連絡先カードは省略されました"},
	{"ja", fromTable, core.MessageSticker, "sticker", "スタンプは省略されました"},
	{"ja", fromGuess, core.MessageMedia, "image", "画像を省略"},
	{"ja", fromGuess, core.MessageMedia, "video", "動画を省略"},
	{"ja", fromGuess, core.MessageSticker, "sticker", "ステッカーを省略"},
	{"ko", fromTable, core.MessageMedia, "image", "이미지 생략됨"},
	{"ko", fromTable, core.MessageMedia, "video", "동영상 생략됨"},
	{"ko", fromTable, core.MessageMedia, "audio", "오디오 생략됨"},
	{"ko", fromTable, core.MessageMedia, "gif", "GIF 생략됨"},
	{"ko", fromTable, core.MessageMedia, "document", "문서 생략됨"},
	{"ko", fromTable, core.MessageMedia, "contact", "연락처 카드 생략됨"},
	{"ko", fromTable, core.MessageSticker, "sticker", "스티커 생략됨"},
	{"ko", fromGuess, core.MessageMedia, "image", "사진 생략됨"},
	// Traditional Chinese: 圖像, 音訊 and 貼圖 as a user of an iPhone
	// export described them in ChatLab/ChatLab issue 126.
	{"zh-Hant", fromExport, core.MessageMedia, "image", "圖像已省略"},
	{"zh-Hant", fromExport, core.MessageMedia, "audio", "音訊已省略"},
	{"zh-Hant", fromExport, core.MessageSticker, "sticker", "貼圖已忽略"},
	{"zh-Hant", fromTable, core.MessageMedia, "image", "圖片已省略"},
	{"zh-Hant", fromTable, core.MessageMedia, "video", "影片已省略"},
	{"zh-Hant", fromGuess, core.MessageMedia, "gif", "GIF已省略"},
	{"zh-Hant", fromGuess, core.MessageMedia, "document", "文件已省略"},
	{"zh-Hant", fromTable, core.MessageMedia, "contact", "聯絡人名片已省略"},
	{"zh-Hans", fromTable, core.MessageMedia, "image", "图片已省略"},
	{"zh-Hans", fromTable, core.MessageMedia, "video", "视频已省略"},
	{"zh-Hans", fromTable, core.MessageMedia, "audio", "音频已省略"},
	{"zh-Hans", fromGuess, core.MessageMedia, "gif", "GIF已省略"},
	{"zh-Hans", fromGuess, core.MessageMedia, "document", "文档已省略"},
	{"zh-Hans", fromGuess, core.MessageMedia, "contact", "联系人名片已省略"},
	{"zh-Hans", fromGuess, core.MessageSticker, "sticker", "贴图已省略"},
	{"ar", fromTable, core.MessageMedia, "image", "الصورة غير مشمولة"},
	{"ar", fromTable, core.MessageMedia, "video", "الفيديو غير مشمول"},
	{"ar", fromGuess, core.MessageMedia, "image", "تم استبعاد الصورة"},
	{"ar", fromGuess, core.MessageMedia, "video", "تم استبعاد الفيديو"},
	{"ar", fromGuess, core.MessageMedia, "audio", "تم استبعاد الصوت"},
	{"ar", fromGuess, core.MessageMedia, "document", "تم استبعاد المستند"},
	{"ar", fromGuess, core.MessageSticker, "sticker", "تم استبعاد الملصق"},
	{"hi", fromGuess, core.MessageMedia, "image", "छवि छोड़ी गई"},
	{"hi", fromGuess, core.MessageMedia, "video", "वीडियो छोड़ा गया"},
	{"hi", fromGuess, core.MessageMedia, "audio", "ऑडियो छोड़ा गया"},
	{"hi", fromGuess, core.MessageMedia, "document", "दस्तावेज़ छोड़ा गया"},
	{"hi", fromGuess, core.MessageSticker, "sticker", "स्टिकर छोड़ा गया"},

	// View-once media, which no export holds (best knowledge of the iOS
	// wording; Android writes its "<Media omitted>").
	{"en", fromGuess, core.MessageMedia, "image", "View once photo omitted"},
	{"en", fromGuess, core.MessageMedia, "video", "View once video omitted"},
	{"en", fromGuess, core.MessageMedia, "audio", "View once voice message omitted"},
	{"es", fromGuess, core.MessageMedia, "image", "Foto de visualización única omitida"},
	{"es", fromGuess, core.MessageMedia, "video", "Video de visualización única omitido"},
	{"de", fromGuess, core.MessageMedia, "image", "Einmal ansehen-Foto weggelassen"},
	{"de", fromGuess, core.MessageMedia, "video", "Einmal ansehen-Video weggelassen"},
	{"fr", fromGuess, core.MessageMedia, "image", "Photo à vue unique omise"},
	{"fr", fromGuess, core.MessageMedia, "video", "Vidéo à vue unique omise"},
	{"pt", fromGuess, core.MessageMedia, "image", "Foto de visualização única omitida"},
	{"pt", fromGuess, core.MessageMedia, "video", "Vídeo de visualização única omitido"},
	{"it", fromGuess, core.MessageMedia, "image", "Foto visualizzabile una volta omessa"},
	{"it", fromGuess, core.MessageMedia, "video", "Video visualizzabile una volta omesso"},
	{"nl", fromGuess, core.MessageMedia, "image", "Eenmalig bekijken-foto weggelaten"},
	{"nl", fromGuess, core.MessageMedia, "video", "Eenmalig bekijken-video weggelaten"},
	{"ru", fromGuess, core.MessageMedia, "image", "Фото для однократного просмотра отсутствует"},
	{"ru", fromGuess, core.MessageMedia, "video", "Видео для однократного просмотра отсутствует"},
	{"tr", fromGuess, core.MessageMedia, "image", "Tek seferlik fotoğraf dahil edilmedi"},
	{"tr", fromGuess, core.MessageMedia, "video", "Tek seferlik video dahil edilmedi"},
	{"id", fromGuess, core.MessageMedia, "image", "Foto sekali lihat tidak disertakan"},
	{"id", fromGuess, core.MessageMedia, "video", "Video sekali lihat tidak disertakan"},
	{"ja", fromGuess, core.MessageMedia, "image", "1回表示の写真は省略されました"},
	{"ja", fromGuess, core.MessageMedia, "video", "1回表示の動画は省略されました"},
	{"ko", fromGuess, core.MessageMedia, "image", "한 번 보기 사진 생략됨"},
	{"ko", fromGuess, core.MessageMedia, "video", "한 번 보기 동영상 생략됨"},
	{"zh-Hans", fromGuess, core.MessageMedia, "image", "一次性照片已省略"},
	{"zh-Hans", fromGuess, core.MessageMedia, "video", "一次性视频已省略"},
	{"zh-Hant", fromGuess, core.MessageMedia, "image", "一次性相片已略過"},
	{"zh-Hant", fromGuess, core.MessageMedia, "video", "一次性影片已略過"},
	{"ar", fromGuess, core.MessageMedia, "image", "تم استبعاد صورة العرض لمرة واحدة"},
	{"ar", fromGuess, core.MessageMedia, "video", "تم استبعاد فيديو العرض لمرة واحدة"},
	{"hi", fromGuess, core.MessageMedia, "image", "एक बार देखने वाली फ़ोटो छोड़ी गई"},
	{"hi", fromGuess, core.MessageMedia, "video", "एक बार देखने वाला वीडियो छोड़ा गया"},

	// Live locations, which an export holds no point of.
	{"en", fromGuess, core.MessageLocation, "", "live location shared"},
	{"es", fromGuess, core.MessageLocation, "", "ubicación en tiempo real compartida"},
	{"de", fromGuess, core.MessageLocation, "", "Live-Standort geteilt"},
	{"fr", fromGuess, core.MessageLocation, "", "position en direct partagée"},
	{"pt", fromGuess, core.MessageLocation, "", "localização em tempo real compartilhada"},
	{"it", fromGuess, core.MessageLocation, "", "posizione in tempo reale condivisa"},
	{"nl", fromGuess, core.MessageLocation, "", "live locatie gedeeld"},
	{"ru", fromGuess, core.MessageLocation, "", "геоданные в реальном времени"},
	{"tr", fromGuess, core.MessageLocation, "", "canlı konum paylaşıldı"},
	{"id", fromGuess, core.MessageLocation, "", "lokasi terkini dibagikan"},
	{"ja", fromGuess, core.MessageLocation, "", "ライブ位置情報を共有しました"},
	{"ko", fromGuess, core.MessageLocation, "", "실시간 위치 공유됨"},
	{"zh-Hans", fromGuess, core.MessageLocation, "", "已共享实时位置"},
	{"zh-Hant", fromGuess, core.MessageLocation, "", "已分享即時位置"},
	{"ar", fromGuess, core.MessageLocation, "", "تمت مشاركة الموقع المباشر"},
	{"hi", fromGuess, core.MessageLocation, "", "लाइव लोकेशन शेयर की गई"},

	// Deleted messages: by someone ("This message was deleted") and by the
	// exporting user ("You deleted this message").
	{"en", fromExport, core.MessageDeleted, "", "This message was deleted"},
	{"en", fromExport, core.MessageDeleted, "", "You deleted this message"},
	{"es", fromExport, core.MessageDeleted, "", "Se eliminó este mensaje"},
	{"es", fromExport, core.MessageDeleted, "", "Eliminaste este mensaje"},
	{"es", fromExport, core.MessageDeleted, "", "Este mensaje fue eliminado"}, // prabhakar267/WA-Reader issue 36
	{"de", fromExport, core.MessageDeleted, "", "Diese Nachricht wurde gelöscht"},
	{"de", fromExport, core.MessageDeleted, "", "Du hast diese Nachricht gelöscht"},
	{"fr", fromExport, core.MessageDeleted, "", "Ce message a été supprimé"},
	{"fr", fromExport, core.MessageDeleted, "", "Vous avez supprimé ce message"},
	{"pt", fromExport, core.MessageDeleted, "", "Esta mensagem foi apagada"},
	{"pt", fromExport, core.MessageDeleted, "", "Você apagou esta mensagem"},
	{"pt", fromExport, core.MessageDeleted, "", "Mensagem apagada"},
	{"it", fromTable, core.MessageDeleted, "", "Questo messaggio è stato eliminato"},
	{"it", fromTable, core.MessageDeleted, "", "Hai eliminato questo messaggio"},
	{"nl", fromTable, core.MessageDeleted, "", "Dit bericht is verwijderd"},
	{"nl", fromGuess, core.MessageDeleted, "", "Je hebt dit bericht verwijderd"},
	{"nl", fromTable, core.MessageDeleted, "", "U hebt dit bericht verwijderd"},
	{"ru", fromGuess, core.MessageDeleted, "", "Данное сообщение удалено"},
	{"ru", fromTable, core.MessageDeleted, "", "Это сообщение было удалено"},
	{"ru", fromTable, core.MessageDeleted, "", "Вы удалили это сообщение"},
	{"ru", fromGuess, core.MessageDeleted, "", "Вы удалили данное сообщение"},
	{"tr", fromTable, core.MessageDeleted, "", "Bu mesaj silindi"},
	{"tr", fromTable, core.MessageDeleted, "", "Bu mesajı sildiniz"},
	{"id", fromGuess, core.MessageDeleted, "", "Pesan ini telah dihapus"},
	{"id", fromGuess, core.MessageDeleted, "", "Anda menghapus pesan ini"},
	{"ja", fromTable, core.MessageDeleted, "", "このメッセージは削除されました"},
	{"ja", fromTable, core.MessageDeleted, "", "メッセージを削除しました"},
	{"ja", fromGuess, core.MessageDeleted, "", "このメッセージを削除しました"},
	{"ko", fromTable, core.MessageDeleted, "", "삭제된 메시지입니다"},
	{"ko", fromTable, core.MessageDeleted, "", "메시지를 삭제했습니다"},
	{"ko", fromGuess, core.MessageDeleted, "", "이 메시지는 삭제되었습니다"},
	{"zh-Hans", fromTable, core.MessageDeleted, "", "此消息已删除"},
	{"zh-Hans", fromGuess, core.MessageDeleted, "", "此消息已被删除"},
	{"zh-Hans", fromGuess, core.MessageDeleted, "", "你删除了此消息"},
	{"zh-Hant", fromTable, core.MessageDeleted, "", "此訊息已刪除"},
	{"zh-Hant", fromTable, core.MessageDeleted, "", "你已刪除這則訊息"},
	{"zh-Hant", fromGuess, core.MessageDeleted, "", "你刪除了此訊息"},
	{"zh-Hant", fromGuess, core.MessageDeleted, "", "你已刪除此訊息"},
	{"ar", fromTable, core.MessageDeleted, "", "تم حذف هذه الرسالة"},
	{"ar", fromGuess, core.MessageDeleted, "", "لقد حذفت هذه الرسالة"},
	{"ar", fromGuess, core.MessageDeleted, "", "حذفت هذه الرسالة"},
	{"hi", fromGuess, core.MessageDeleted, "", "यह संदेश हटा दिया गया"},
	{"hi", fromGuess, core.MessageDeleted, "", "आपने यह संदेश हटा दिया"},
	{"hi", fromGuess, core.MessageDeleted, "", "यह मैसेज हटा दिया गया था"},
	{"hi", fromGuess, core.MessageDeleted, "", "आपने यह मैसेज हटा दिया"},
	// A message the phone could not decrypt: only the marker remains, as
	// for a deleted one (and after U+200E, like a notice, on iOS).
	{"en", fromGuess, core.MessageDeleted, "", "Waiting for this message. This may take a while"},
	{"en", fromGuess, core.MessageDeleted, "", "Waiting for this message"},

	// Calls.
	{"en", fromExport, core.MessageCall, "", "Missed voice call"},
	{"en", fromExport, core.MessageCall, "", "Missed video call"},
	{"en", fromGuess, core.MessageCall, "", "Missed group voice call"},
	{"en", fromGuess, core.MessageCall, "", "Missed group video call"},
	{"en", fromExport, core.MessageCall, "", "Voice call"},
	{"en", fromExport, core.MessageCall, "", "Video call"},
	{"es", fromExport, core.MessageCall, "", "Llamada perdida"},
	{"es", fromExport, core.MessageCall, "", "Llamada de voz perdida"},
	{"es", fromExport, core.MessageCall, "", "Videollamada perdida"},
	{"de", fromExport, core.MessageCall, "", "Verpasster Sprachanruf"},
	{"de", fromExport, core.MessageCall, "", "Verpasster Videoanruf"},
	{"fr", fromExport, core.MessageCall, "", "Appel vocal manqué"},
	{"fr", fromExport, core.MessageCall, "", "Appel vidéo manqué"},
	{"pt", fromExport, core.MessageCall, "", "Chamada de voz perdida"},
	{"pt", fromExport, core.MessageCall, "", "Chamada de vídeo perdida"},
	{"it", fromTable, core.MessageCall, "", "Chiamata vocale persa"},
	{"it", fromTable, core.MessageCall, "", "Videochiamata persa"},
	{"nl", fromGuess, core.MessageCall, "", "Gemiste spraakoproep"},
	{"nl", fromGuess, core.MessageCall, "", "Gemiste videogesprek"},
	{"nl", fromGuess, core.MessageCall, "", "Gemist videogesprek"},
	{"ru", fromTable, core.MessageCall, "", "Пропущенный аудиозвонок"},
	{"ru", fromTable, core.MessageCall, "", "Пропущенный видеозвонок"},
	{"tr", fromTable, core.MessageCall, "", "Cevapsız sesli arama"},
	{"tr", fromTable, core.MessageCall, "", "Cevapsız görüntülü arama"},
	{"id", fromGuess, core.MessageCall, "", "Panggilan suara tak terjawab"},
	{"id", fromGuess, core.MessageCall, "", "Panggilan video tak terjawab"},
	{"ja", fromTable, core.MessageCall, "", "不在着信"},
	{"ja", fromTable, core.MessageCall, "", "ビデオ通話の不在着信"},
	{"ja", fromGuess, core.MessageCall, "", "音声通話の不在着信"},
	{"ko", fromTable, core.MessageCall, "", "부재중 음성통화"},
	{"ko", fromTable, core.MessageCall, "", "부재중 영상통화"},
	{"ko", fromGuess, core.MessageCall, "", "부재중 음성 통화"},
	{"ko", fromGuess, core.MessageCall, "", "부재중 영상 통화"},
	{"zh-Hans", fromTable, core.MessageCall, "", "未接语音通话"},
	{"zh-Hans", fromTable, core.MessageCall, "", "未接视频通话"},
	{"zh-Hant", fromTable, core.MessageCall, "", "未接語音通話"},
	{"zh-Hant", fromTable, core.MessageCall, "", "未接視訊通話"},
	{"ar", fromTable, core.MessageCall, "", "مكالمة صوتية فائتة"},
	{"ar", fromTable, core.MessageCall, "", "مكالمة فيديو فائتة"},
	{"hi", fromGuess, core.MessageCall, "", "छूटी हुई वॉइस कॉल"},
	{"hi", fromGuess, core.MessageCall, "", "छूटी हुई वीडियो कॉल"},
}

// waEditedMarkers end the body of an edited message (ignoring case).
var waEditedMarkers = []struct {
	lang string
	src  wordingSource
	text string
}{
	{"en", fromExport, "<This message was edited>"},
	{"es", fromExport, "<Se editó este mensaje.>"},
	{"es", fromExport, "<Se editó este mensaje>"},
	{"es", fromTable, "<Este mensaje fue editado>"},
	{"de", fromExport, "<Diese Nachricht wurde bearbeitet>"},
	{"fr", fromExport, "<Ce message a été modifié>"},
	{"pt", fromExport, "<Esta mensagem foi editada>"},
	{"pt", fromExport, "<Mensagem editada>"},
	{"it", fromTable, "<Questo messaggio è stato modificato>"},
	{"nl", fromGuess, "<Dit bericht is bewerkt>"},
	{"ru", fromTable, "<Это сообщение изменено>"},
	{"ru", fromGuess, "<Это сообщение было изменено>"},
	{"tr", fromGuess, "<Bu mesaj düzenlendi>"},
	{"id", fromGuess, "<Pesan ini telah diedit>"},
	{"ja", fromGuess, "<このメッセージは編集されました>"},
	{"ko", fromGuess, "<이 메시지는 수정되었습니다>"},
	{"zh-Hans", fromGuess, "<此消息已编辑>"},
	{"zh-Hans", fromGuess, "<此消息已被编辑>"},
	{"zh-Hant", fromGuess, "<此訊息已編輯>"},
	{"zh-Hant", fromGuess, "<此訊息已被編輯>"},
	{"ar", fromGuess, "<تم تعديل هذه الرسالة>"},
	{"hi", fromGuess, "<यह संदेश संपादित किया गया था>"},
}

// waAttachmentForms name a file in the body: iOS "<attached: NAME>", Android
// "NAME (file attached)". The caption, if any, follows on the next lines.
// A form the table lacks is still read when the name is one WhatsApp gives
// its files (see whatsAppFileName).
var waAttachmentForms = []struct {
	lang           string
	src            wordingSource
	prefix, suffix string
}{
	{"en", fromExport, "<attached: ", ">"},
	{"en", fromExport, "", " (file attached)"},
	{"es", fromExport, "<adjunto: ", ">"}, // prabhakar267/WA-Reader issue 36
	{"es", fromExport, "", " (archivo adjunto)"},
	{"de", fromExport, "<Anhang: ", ">"},
	{"de", fromExport, "", " (Datei angehängt)"},
	{"fr", fromExport, "<pièce jointe : ", ">"},
	{"fr", fromExport, "<pièce jointe: ", ">"},
	{"fr", fromExport, "", " (fichier joint)"},
	{"pt", fromExport, "<anexado: ", ">"},
	{"pt", fromExport, "", " (arquivo anexado)"},
	{"pt", fromExport, "", " (ficheiro anexado)"},
	{"it", fromGuess, "<allegato: ", ">"},
	{"it", fromGuess, "", " (file allegato)"},
	{"nl", fromGuess, "<bijlage: ", ">"},
	{"nl", fromGuess, "", " (bestand bijgevoegd)"},
	{"ru", fromGuess, "<вложение: ", ">"},
	{"ru", fromGuess, "", " (файл добавлен)"},
	{"tr", fromGuess, "<ek: ", ">"},
	{"tr", fromGuess, "", " (dosya ekli)"},
	{"id", fromGuess, "<terlampir: ", ">"},
	{"id", fromGuess, "", " (file terlampir)"},
	{"ja", fromGuess, "<添付ファイル: ", ">"},
	{"ja", fromGuess, "", " (ファイル添付あり)"},
	{"ko", fromGuess, "<첨부: ", ">"},
	{"ko", fromGuess, "", " (파일 첨부됨)"},
	{"zh", fromGuess, "<附件：", ">"},
	{"zh", fromGuess, "<附件: ", ">"},
	{"zh-Hans", fromGuess, "", " (文件附件)"},
	{"zh-Hant", fromGuess, "", " (附件檔案)"},
	{"ar", fromGuess, "<مرفق: ", ">"},
	{"ar", fromGuess, "", " (ملف مرفق)"},
	{"hi", fromGuess, "<संलग्न: ", ">"},
	{"hi", fromGuess, "", " (फ़ाइल संलग्न)"},
}

// waBodyPrefixes mark a location or a poll at the start of the body. A
// location whose label the table lacks is still one when a map link
// follows it (see mapLink), and a poll when its options follow (see
// pollShape).
var waBodyPrefixes = []struct {
	lang   string
	src    wordingSource
	kind   core.MessageKind
	prefix string
}{
	{"en", fromExport, core.MessageLocation, "location: "},
	{"es", fromExport, core.MessageLocation, "ubicación: "},
	{"de", fromExport, core.MessageLocation, "Standort: "},
	{"fr", fromExport, core.MessageLocation, "position : "},
	{"pt", fromExport, core.MessageLocation, "localização: "},
	{"it", fromGuess, core.MessageLocation, "posizione: "},
	{"nl", fromGuess, core.MessageLocation, "locatie: "},
	{"ru", fromGuess, core.MessageLocation, "местоположение: "},
	{"ru", fromGuess, core.MessageLocation, "геопозиция: "},
	{"tr", fromGuess, core.MessageLocation, "konum: "},
	{"id", fromGuess, core.MessageLocation, "lokasi: "},
	{"ja", fromGuess, core.MessageLocation, "位置情報: "},
	{"ko", fromGuess, core.MessageLocation, "위치: "},
	{"zh", fromGuess, core.MessageLocation, "位置: "},
	{"zh", fromGuess, core.MessageLocation, "位置："},
	{"ar", fromGuess, core.MessageLocation, "الموقع: "},
	{"hi", fromGuess, core.MessageLocation, "स्थान: "},
	{"en", fromExport, core.MessagePoll, "POLL:"},
	{"es", fromExport, core.MessagePoll, "ENCUESTA:"},
	{"de", fromExport, core.MessagePoll, "UMFRAGE:"},
	{"fr", fromExport, core.MessagePoll, "SONDAGE :"},
	{"fr", fromExport, core.MessagePoll, "SONDAGE:"},
	{"pt", fromExport, core.MessagePoll, "ENQUETE:"},
	{"it", fromGuess, core.MessagePoll, "SONDAGGIO:"},
	{"nl", fromGuess, core.MessagePoll, "PEILING:"},
	{"ru", fromGuess, core.MessagePoll, "ОПРОС:"},
	{"tr", fromGuess, core.MessagePoll, "ANKET:"},
	{"ja", fromGuess, core.MessagePoll, "アンケート:"},
	{"ko", fromGuess, core.MessagePoll, "투표:"},
	{"zh", fromGuess, core.MessagePoll, "投票："},
	{"ar", fromGuess, core.MessagePoll, "استطلاع:"},
}

// waMediaByFileName maps parts of attachment names to media types, in the
// order they are tried (WhatsApp names files like "00000012-PHOTO-….jpg" or
// "IMG-20240101-WA0001.jpg").
var waMediaByFileName = []struct{ part, media string }{
	{"STICKER", "sticker"}, {"STK-", "sticker"}, {".webp", "sticker"},
	{"PHOTO", "image"}, {"IMG-", "image"}, {".jpg", "image"}, {".jpeg", "image"}, {".png", "image"}, {".heic", "image"},
	{"GIF", "gif"}, {".gif", "gif"},
	{"VIDEO", "video"}, {"VID-", "video"}, {".mp4", "video"}, {".mov", "video"},
	{"AUDIO", "audio"}, {"PTT-", "audio"}, {"AUD-", "audio"}, {".opus", "audio"}, {".m4a", "audio"}, {".mp3", "audio"},
	{".vcf", "contact"},
}
