package chatparse

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatlens/chatlens/core"
)

// TestParseWhatsAppFixtures parses every form of WhatsApp export the
// project's fixtures cover and compares each with its .want.json.
func TestParseWhatsAppFixtures(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file string
		opts Options
	}{
		{"android_dmy_24h_en_crlf.txt", Options{}},
		{"ios_mdy_12h_nnbsp_en.txt", Options{}},
		{"android_es_ampm_cr.txt", Options{}},
		{"ios_old_de_dotted.txt", Options{}},
		{"android_de_dotted_time.txt", Options{Location: berlin}},
		{"ios_fr_24h.txt", Options{}},
		{"android_pt.txt", Options{}},
		{"cjk_zh_ymd.txt", Options{}},
		{"cjk_ja_ios.txt", Options{}},
		{"cjk_ko_spaced.txt", Options{}},
		{"dash_date_preamble.txt", Options{}},
		{"en_lower_ampm.txt", Options{}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			checkGolden(t, filepath.Join("testdata", "whatsapp", c.file), "", c.opts)
		})
	}
}

// TestParseWhatsAppNoticeOrWords covers lines whose kind rests on the
// notice heuristics: a participant quoting notice wording stays a participant.
func TestParseWhatsAppNoticeOrWords(t *testing.T) {
	const lrm = "\u200e"
	const ben = "01/02/24, 10:09 - Ben: ok\n"
	cases := []struct {
		name, in   string
		wantKinds  string // kinds of the messages, in order
		wantAuthor string // author of the last message
	}{
		{"android participant mentions encryption",
			"01/02/24, 10:00 - Ann: are our messages end-to-end encrypted?\n01/02/24, 10:01 - Ann: I added Ben\n",
			"text text", "Ann"},
		{"ios notice signed by the group, then the group name's wording without a mark",
			"[01/02/24, 10:00:00] G: " + lrm + "Messages and calls are end-to-end encrypted.\n[01/02/24, 10:01:00] Ann: Ben left early today\n",
			"system text", "Ann"},
		{"ios notices recognised by wording where marks were stripped",
			"[01/02/24, 10:00:00] G: Messages and calls are end-to-end encrypted.\n[01/02/24, 10:01:00] G: Ann added Ben\n[01/02/24, 10:02:00] G: hello from a person named G\n",
			"system system text", "G"},
		{"android subject with a colon in quotes",
			"01/02/24, 10:00 - Ann changed the subject from \"a\" to \"b: c\"\n" + ben,
			"system text", "Ben"},
		{"an author that is too long to be a name",
			"01/02/24, 10:00 - " + strings.Repeat("word ", 60) + ": x\n" + ben,
			"system text", "Ben"},
		{"android notices quoting a name with a colon",
			"01/02/24, 10:00 - Ann created group \"Trip: 2024\"\n" +
				"01/02/24, 10:01 - Ann changed the group name from \"Trip: 2024\" to \"Trip\"\n" +
				"01/02/24, 10:02 - Ana cambió el nombre del grupo de “a: b” a “c”\n" +
				"01/02/24, 10:03 - Ann hat die Gruppe „Reise: 2024“ erstellt\n" +
				"01/02/24, 10:04 - Ann a créé le groupe « Voyage: 2024 »\n" + ben,
			"system system system system system text", "Ben"},
		{"notices the tables lack quoting a name with a colon",
			"01/02/24, 10:00 - Ann zmienia temat na \"Trip: 2024\"\n" +
				"01/02/24, 10:01 - Annさんが「旅行: 2024」を選びました\n" +
				"01/02/24, 10:02 - Ann choisit 『a: b』\n" + ben,
			"system system system text", "Ben"},
		{"ios one-to-one with marks stripped: the contact's words stay words",
			"[15/01/2024, 10:00:00] Bob: Messages and calls are end-to-end encrypted. No one outside of this chat can read them.\n" +
				"[15/01/2024, 10:01:00] Bob: I left my keys at home\n[15/01/2024, 10:02:00] Ann: ok\n" +
				"[15/01/2024, 10:03:00] Bob: Das wurde entfernt\n[15/01/2024, 10:04:00] Bob: Ele saiu cedo\n" +
				"[15/01/2024, 10:05:00] Bob: salió bien\n[15/01/2024, 10:06:00] Bob: he left\n" +
				"[15/01/2024, 10:07:00] Bob: Ann left\n[15/01/2024, 10:08:00] Bob: hi",
			// Bob signs and writes, so he is the contact: "Ann left" is his
			// words, a one-to-one chat has no member notices.
			"system text text text text text text text text", "Bob"},
		{"ios group name with a colon signs notices",
			"[01/02/24, 10:00:00] Trip: 2024: " + lrm + "Messages and calls are end-to-end encrypted.\n" +
				"[01/02/24, 10:01:00] Ann: hi\n[01/02/24, 10:02:00] Trip: 2024: " + lrm + "Ann added Ben\n" +
				"[01/02/24, 10:03:00] Ann: note: " + lrm + "x\n",
			"system text system text", "Ann"},
		{"a continuation that looks like a header of another shape",
			"[01/02/24, 10:00:00] Ann: quoting an android chat:\n01/02/24, 10:00 - Ben: hi\n",
			"text", "Ann"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msgs, _, err := parseAll(t, Parse(strings.NewReader(c.in), Options{}))
			if err != nil {
				t.Fatal(err)
			}
			kinds := kindsOf(msgs)
			last := msgs[len(msgs)-1]
			if kinds != c.wantKinds || last.Author != c.wantAuthor {
				t.Errorf("kinds %s, last author %q; want %s, %q", kinds, last.Author, c.wantKinds, c.wantAuthor)
			}
		})
	}
}

// TestParseWhatsAppStrippedMarkSigner covers iOS exports whose U+200E marks
// were stripped, where the name signing the encryption notice is either a
// group's (which signs only notices, also ones no template has) or the
// contact of a one-to-one chat (whose words stay words).
func TestParseWhatsAppStrippedMarkSigner(t *testing.T) {
	line := func(sec int, author, text string) string {
		return fmt.Sprintf("[12/01/24, 10:%02d:%02d] %s: %s\n", sec/60, sec%60, author, text)
	}
	chat := func(author string, lines ...string) string {
		var b strings.Builder
		for i, l := range lines {
			a, text, ok := strings.Cut(l, "|")
			if !ok {
				a, text = author, l
			}
			b.WriteString(line(i*10, a, text))
		}
		return b.String()
	}
	cases := []struct {
		name, in     string
		wantKinds    string
		participants string
	}{
		{"en group: notices no template had before keep later ones notices",
			chat("Trip", "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.",
				"Ann added Ben", "Ann changed this group's settings to allow only admins to edit this group's info",
				"Carl joined using this group's invite link", "Ann added Dave", "Ann|hi all",
				"Ann changed the settings so only admins can edit the group settings",
				"Ann turned on admin approval to join this group",
				"Ann changed their phone number to a new number. Tap to message or add the new number.",
				"Ann hat die Gruppeneinstellungen geändert", "Ann removed Ben", "Ben|bye"),
			"system system system system system text system system system system system text", "Ann Ben"},
		{"en group: a notice of unknown wording after group notices stays a notice",
			chat("Trip", "Messages and calls are end-to-end encrypted.", "Ann created group \"Trip\"",
				"Ann changed the group's disappearing message settings", "Carl joined using this group's invite link",
				"Carl|hi"),
			"system system system system text", "Carl"},
		{"en group: member notices before any other evidence",
			chat("Trip", "Messages and calls are end-to-end encrypted.",
				"Ann changed their phone number to a new number. Tap to message or add the new number.",
				"Ann turned on admin approval to join this group", "Ben joined using this group's invite link",
				"You're now an admin", "Ben|hi"),
			"system system system system system text", "Ben"},
		{"en group: two people besides the signer make it a group",
			chat("Trip", "Messages and calls are end-to-end encrypted.", "Ann|hi", "Ben|hey",
				"Ann changed the group's disappearing message settings", "Ann|ok"),
			"system text text system text", "Ann Ben"},
		{"de group",
			chat("Reise", "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb dieses Chats kann sie lesen.",
				"Ann hat Ben hinzugefügt", "Ann hat die Gruppeneinstellungen geändert",
				"Carl ist über den Einladungslink dieser Gruppe beigetreten", "Ann hat Dave hinzugefügt", "Ann|hallo",
				"Ann hat die Telefonnummer zu einer neuen Nummer geändert", "Ann hat Ben entfernt"),
			"system system system system system text system system", "Ann"},
		{"es group",
			chat("Viaje", "Los mensajes y las llamadas están cifrados de extremo a extremo.",
				"Ana añadió a Ben", "Ana cambió la configuración de este grupo para que solo los admins puedan editar la info del grupo",
				"Carl se unió usando el enlace de invitación de este grupo", "Ana añadió a Dave y Eva", "Ana|hola",
				"Ana activó la aprobación de administradores para unirse a este grupo", "Ben salió"),
			"system system system system system text system system", "Ana"},
		{"fr group",
			chat("Voyage", "Les messages et les appels sont chiffrés de bout en bout.",
				"Ann a ajouté Ben", "Ann a modifié les paramètres de ce groupe", "Carl a rejoint ce groupe via le lien d'invitation",
				"Ann|salut", "Ben est parti"),
			"system system system system text system", "Ann"},
		{"pt group",
			chat("Viagem", "As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta.",
				"Ana adicionou Ben", "Ana mudou as configurações do grupo", "Carl entrou usando o link de convite deste grupo",
				"Ana|oi", "Ben saiu"),
			"system system system system text system", "Ana"},
		{"en one-to-one: the contact's words stay words",
			chat("Ann", "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.",
				"I added the photos to the album", "Ya salió", "Il est parti", "Ele saiu", "Bob|ok", "You removed it?",
				"Bob left.", "hello", "You added me", "Your security code with Ann changed. Tap to learn more.",
				"Ann changed their phone number to a new number. Tap to message or add the new number.",
				"You turned on disappearing messages. New messages will disappear from this chat 7 days after they're sent.",
				"You pinned a message", "You blocked this contact. Tap to unblock.", "Ann added Ben"),
			"system text text text text text text text text text system system system system system text", "Ann Bob"},
		{"en one-to-one: a plain first message shows a person",
			chat("Ann", "Messages and calls are end-to-end encrypted.", "hi", "Ben left", "Bob|ok"),
			"system text text text", "Ann Bob"},
		{"es one-to-one",
			chat("Ana", "Los mensajes y las llamadas están cifrados de extremo a extremo.",
				"Ya salió", "Él se unió usando el enlace?", "Bob|vale", "Bob salió", "Eliminó a Carl?",
				"Tu código de seguridad con Ana cambió. Toca para más información.", "Ana fijó un mensaje"),
			"system text text text text text system system", "Ana Bob"},
		{"fr one-to-one",
			chat("Ann", "Les messages et les appels sont chiffrés de bout en bout.",
				"Il est parti", "Elle a ajouté les photos", "Bob|ok", "Bob est parti",
				"Votre code de sécurité avec Ann a changé.", "Vous avez bloqué ce contact. Touchez pour débloquer."),
			"system text text text text system system", "Ann Bob"},
		{"pt one-to-one",
			chat("Ana", "As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta.",
				"Ele saiu", "Eu adicionou as fotos", "Bob|ok", "Bob saiu", "Ana ativou as mensagens temporárias."),
			"system text text text text system", "Ana Bob"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msgs, rep, err := parseAll(t, Parse(strings.NewReader(c.in), Options{}))
			if err != nil {
				t.Fatal(err)
			}
			kinds, parts := kindsOf(msgs), participantsOf(rep)
			if kinds != c.wantKinds || parts != c.participants {
				t.Errorf("kinds %s, participants %q; want %s, %s", kinds, parts, c.wantKinds, c.participants)
				for _, m := range msgs {
					t.Logf("%s %q %q", m.Kind, m.Author, m.Text)
				}
			}
		})
	}
}

// TestParseWhatsAppIOSDocumentPlaceholder: iOS names the document before
// "document omitted", with its page count between marks.
func TestParseWhatsAppIOSDocumentPlaceholder(t *testing.T) {
	const lrm = "\u200e"
	in := "[15/01/2024, 10:00:00] Ann: " + lrm + "Report.pdf • " + lrm + "3 pages " + lrm + "document omitted\n" +
		"[15/01/2024, 10:01:00] Ann: " + lrm + "Notes.docx " + lrm + "documento omitido\n" +
		"[15/01/2024, 10:02:00] Ann: " + lrm + "video note omitted\n"
	msgs, _, err := parseAll(t, Parse(strings.NewReader(in), Options{}))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ attachment, media string }{{"Report.pdf", "document"}, {"Notes.docx", "document"}, {"", "video"}}
	if len(msgs) != len(want) {
		t.Fatalf("%d messages: %+v", len(msgs), msgs)
	}
	for i, w := range want {
		m := msgs[i]
		if m.Kind != core.MessageMedia || m.Attachment != w.attachment || m.MediaType != w.media || m.Text != "" || m.Author != "Ann" {
			t.Errorf("message %d: %s %q %q %q by %q", i+1, m.Kind, m.Attachment, m.MediaType, m.Text, m.Author)
		}
	}
}

// kindsOf names the messages' kinds, in order, separated by spaces.
func kindsOf(msgs []core.Message) string {
	kinds := make([]string, len(msgs))
	for i, m := range msgs {
		kinds[i] = m.Kind.String()
	}
	return strings.Join(kinds, " ")
}

// participantsOf lists the report's participants, sorted, separated by
// spaces.
func participantsOf(rep Report) string {
	return strings.Join(slices.Sorted(slices.Values(rep.Participants)), " ")
}
