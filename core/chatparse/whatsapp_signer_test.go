package chatparse

import (
	"strings"
	"testing"
)

// TestParseWhatsAppChatSigners covers iOS exports whose system lines are
// signed with a name, in languages the tables know and ones they do not:
// the chat's name is never a participant, or, where nothing in the export
// can tell, the report warns about it.
func TestParseWhatsAppChatSigners(t *testing.T) {
	for _, c := range waSignerCases {
		t.Run(c.name, func(t *testing.T) { checkSignerCase(t, c) })
	}
}

// swahiliE2E is an encryption notice in a language the tables lack.
const swahiliE2E = "Ujumbe na simu zimesimbwa kutoka mwisho hadi mwisho. Hakuna mtu nje ya gumzo hili anayeweza kuzisoma."

const lrm = "\u200e"

type waSignerCase struct {
	name, in     string
	kinds        string
	participants string // sorted
	chat         string
	warnAbout    string // what a warning about the chat's name must hold (a quoted name), or "" for none
}

// waSignerCases are also FuzzWhatsApp's seeds.
var waSignerCases = []waSignerCase{
	{"japanese group with marks",
		"[2024/01/15 9:00:00] 旅行: " + lrm + "メッセージと通話はエンドツーエンドで暗号化されています。このチャットの参加者以外は読むことができません。\n" +
			"[2024/01/15 9:00:01] 旅行: " + lrm + "山田さんがグループ「旅行」を作成しました\n" +
			"[2024/01/15 9:00:02] 旅行: " + lrm + "山田さんが佐藤さんを追加しました\n" +
			"[2024/01/15 午後0:10:00] 山田: おはよう\n[2024/01/15 午後0:11:00] 佐藤: " + lrm + "画像は省略されました\n" +
			"[2024/01/15 午後0:12:00] 旅行: " + lrm + "佐藤さんが退出しました\n",
		"system system system text media system", "佐藤 山田", "旅行", ""},
	{"a language the tables lack, with marks",
		"[15/01/2024, 10:00:00] Safari: " + lrm + swahiliE2E + "\n[15/01/2024, 10:00:01] Safari: " + lrm + "Ann aliunda kikundi\n" +
			"[15/01/2024, 10:01:00] Ann: habari\n[15/01/2024, 10:02:00] Ben: nzuri\n[15/01/2024, 10:03:00] Safari: " + lrm + "Ben aliondoka\n",
		"system system text text system", "Ann Ben", "Safari", ""},
	{"older english export: notices without a name, the encryption notice signed by the group fourth",
		"[15/01/2016, 10:00:00] Ann created group “Trip”\n[15/01/2016, 10:00:01] Ann added you\n[15/01/2016, 10:00:02] Ann added Ben\n" +
			"[15/01/2016, 10:00:03] Trip: Messages to this group are now secured with end-to-end encryption.\n" +
			"[15/01/2016, 10:01:00] Ann: hi\n[15/01/2016, 10:02:00] Ben: hello\n",
		"system system system system text text", "Ann Ben", "Trip", ""},
	{"older english export: the encryption notice where encryption began",
		"[1/2/15, 10:00:00 AM] Ann: hi\n[1/2/15, 10:01:00 AM] Ben: yo\n[1/2/15, 10:02:00 AM] Ben: again\n" +
			"[4/5/16, 10:00:00 AM] Trip: Messages you send to this group are now secured with end-to-end encryption. Tap for more info.\n" +
			"[4/5/16, 10:01:00 AM] Ann: ok\n",
		"text text text system text", "Ann Ben", "Trip", ""},
	{"older one-to-one export: the contact, who wrote before, signs the encryption notice mid-file",
		"[1/2/15, 10:00:00 AM] Bob: hi\n[1/2/15, 10:01:00 AM] Ann: yo\n[1/2/15, 10:02:00 AM] Bob: how are you\n" +
			"[4/5/16, 10:00:00 AM] Bob: Messages you send to this chat and calls are now secured with end-to-end encryption.\n" +
			"[4/5/16, 10:01:00 AM] Ann: ok\n[4/5/16, 10:02:00 AM] Bob: fine\n",
		"text text text system text text", "Ann Bob", "Bob", ""},
	{"older one-to-one export: the contact signs the encryption notice first, in its 'messages to this chat' wording",
		"[15/01/2019, 09:00:01] Bob: Messages to this chat and calls are now secured with end-to-end encryption. Tap for more info.\n" +
			"[15/01/2019, 09:01:00] Bob: Hi there\n[15/01/2019, 09:02:00] Ann: Hello Bob\n[15/01/2019, 09:03:00] Bob: How are you\n",
		"system text text text", "Ann Bob", "Bob", ""},
	{"older one-to-one export: an encryption notice the templates lack, first, signed by the contact",
		"[15/01/2019, 09:00:01] Bob: Chats and calls here are protected with end-to-end encryption now.\n" +
			"[15/01/2019, 09:01:00] Bob: Hi there\n[15/01/2019, 09:02:00] Ann: Hello Bob\n",
		"system text text", "Ann Bob", "Bob", ""},
	{"a participant who asks about encryption mid-file stays one",
		"[1/2/15, 10:00:00 AM] Bob: hi\n[1/2/15, 10:01:00 AM] Ann: yo\n[1/2/15, 10:02:00 AM] Bob: how are you\n" +
			"[4/5/16, 10:00:00 AM] Ann: our messages are end-to-end encrypted now, did you see that\n",
		"text text text text", "Ann Bob", "", "no notice this parser recognises"}, // an export without a notice: a warning, but no name
	{"notices signed by their actor, no marks (turkish)",
		"[23.09.2016 17:00:28] Deniz: Deniz bu grubu oluşturdu\n[5.05.2017 18:01:12] Sınıf: Deniz sizi ekledi\n" +
			"[5.05.2017 18:01:28] Sınıf: Mesajlar ve aramalar uçtan uca şifrelidir. Yalnızca bu sohbetteki kişiler okuyabilir.\n" +
			"[5.05.2017 18:01:54] Ece: Selam\n[5.05.2017 18:04:20] Deniz: Deniz bu grubun simgesini değiştirdi\n" +
			"[5.05.2017 18:04:28] Deniz: Deniz grup adını \"9/A\" olarak değiştirdi\n[5.05.2017 18:07:53] ~\u202fCan: Merhaba\n" +
			"[5.05.2017 18:09:07] Deniz: evet\n[5.05.2017 18:09:21] Ece: " + lrm + "görüntü dahil edilmedi\n",
		"system system system text system system text text media", "Can Deniz Ece", "Sınıf", ""},
	{"notices signed by their actor, with marks, in a language the tables lack (polish)",
		"[15.01.2024, 10:00:00] Wycieczka: " + lrm + "Wiadomości i połączenia są szyfrowane end-to-end, nikt poza tym czatem ich nie przeczyta.\n" +
			"[15.01.2024, 10:00:01] Ola: " + lrm + "Ola utworzyła grupę „Wycieczka”\n[15.01.2024, 10:01:00] Ola: cześć\n[15.01.2024, 10:02:00] Piotr: hej\n",
		"system system text text", "Ola Piotr", "Wycieczka", ""},
	{"the group's subject, quoted in a notice without a name, signs later (no marks, a language the tables lack)",
		"[15/01/2024, 10:00:00] Ann aliunda kikundi “Safari”\n[15/01/2024, 10:00:01] Safari: Ann alimwongeza Ben\n" +
			"[15/01/2024, 10:01:00] Ann: habari\n[15/01/2024, 10:02:00] Safari: Ben aliondoka\n",
		"system system text system", "Ann", "Safari", ""},
	{"two writers besides the signer make it a group, whose later lines are notices",
		"[15/01/2024, 10:00:00] Trip: Messages and calls are end-to-end encrypted.\n[15/01/2024, 10:00:01] Trip: Ann aliunda kikundi\n" +
			"[15/01/2024, 10:01:00] Ann: habari\n[15/01/2024, 10:02:00] Ben: nzuri\n[15/01/2024, 10:03:00] Trip: Ben aliondoka\n",
		"system system text text system", "Ann Ben", "Trip", ""},
	{"nothing tells: no marks, no notice the tables know; a warning names the first signer",
		"[15/01/2024, 10:00:00] Safari: " + swahiliE2E + "\n[15/01/2024, 10:00:01] Safari: Ann aliunda kikundi\n" +
			"[15/01/2024, 10:01:00] Ann: habari\n[15/01/2024, 10:02:00] Ben: nzuri\nna wewe?\n",
		"text text text text", "Ann Ben Safari", "", `"Safari"`},
	{"a truncated export with marks whose group notices the tables lack: a warning",
		"[15/01/2024, 10:00:00] Ann: habari\n[15/01/2024, 10:01:00] Ben: nzuri\n[15/01/2024, 10:02:00] Ann: sawa\n" +
			"[15/01/2024, 10:03:00] Safari: " + lrm + "Ann alimwongeza Carl\n[15/01/2024, 10:04:00] Carl: asante\n",
		"text text text text text", "Ann Ben Carl Safari", "", `"Safari"`},
	{"a truncated export without marks whose group notices the tables lack: a warning about the whole export",
		"[15/01/2024, 10:00:00] Ann: habari\n[15/01/2024, 10:01:00] Ben: nzuri\n[15/01/2024, 10:02:00] Ann: sawa\n" +
			"[15/01/2024, 10:03:00] Safari: Ann alimwongeza Carl\n[15/01/2024, 10:04:00] Carl: asante\n",
		"text text text text text", "Ann Ben Carl Safari", "", "no notice this parser recognises"},
	{"a first message the phone could not decrypt is no notice, and its writer no chat",
		"[15/01/2024, 10:00:00] Ann: " + lrm + "Waiting for this message. This may take a while.\n" +
			"[15/01/2024, 10:00:01] Trip: " + lrm + "Ann added Ben\n[15/01/2024, 10:01:00] Ben: hi\n",
		"deleted system text", "Ann Ben", "Trip", ""},
	{"one-to-one with marks: the contact signs the notices and writes",
		"[15/01/2024, 10:00:00] Bob: " + lrm + "Messages and calls are end-to-end encrypted.\n[15/01/2024, 10:01:00] Bob: hi\n" +
			"[15/01/2024, 10:02:00] Ann: hey\n[15/01/2024, 10:03:00] Bob: " + lrm + "Your security code with Bob changed.\n",
		"system text text system", "Ann Bob", "Bob", ""},
}

func checkSignerCase(t *testing.T, c waSignerCase) {
	t.Helper()
	msgs, rep, err := parseAll(t, Parse(strings.NewReader(c.in), Options{}))
	if err != nil {
		t.Fatal(err)
	}
	kinds, parts := kindsOf(msgs), participantsOf(rep)
	warnings := strings.Join(rep.Warnings, "\n")
	warned := c.warnAbout != "" && strings.Contains(warnings, c.warnAbout)
	if kinds != c.kinds || parts != c.participants || rep.Chat != c.chat ||
		warned != (c.warnAbout != "") || (c.warnAbout == "" && strings.Contains(warnings, "chat's name")) {
		t.Errorf("kinds %s, participants %q, chat %q, warnings %q;\nwant %s, %s, %q, warning about %q",
			kinds, parts, rep.Chat, rep.Warnings, c.kinds, c.participants, c.chat, c.warnAbout)
		for _, m := range msgs {
			t.Logf("%s %q %q", m.Kind, m.Author, m.Text)
		}
	}
}
