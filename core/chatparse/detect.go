package chatparse

import (
	"bytes"
	"encoding/json"
	"io"
)

// detectBytes is how much of the input detection looks at.
const detectBytes = 64 << 10

// Detect names the format of an export from its first bytes (64 KiB is
// plenty; less works for small files). It returns FormatAuto when the bytes
// are none of the known formats. File names are never consulted: people
// rename exports.
func Detect(prefix []byte) Format {
	if isZipPrefix(prefix) {
		return FormatWhatsAppZip
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(prefix, []byte("\uFEFF")), " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return detectJSON(trimmed)
	}
	if looksLikeWhatsApp(prefix) {
		return FormatWhatsApp
	}
	return FormatAuto
}

func isZipPrefix(b []byte) bool {
	return bytes.HasPrefix(b, []byte("PK\x03\x04")) || bytes.HasPrefix(b, []byte("PK\x05\x06"))
}

func isZip(ra io.ReaderAt) bool {
	var b [4]byte
	n, _ := ra.ReadAt(b[:], 0)
	return isZipPrefix(b[:n])
}

// looksLikeWhatsApp reports whether one of the first lines is a message
// header. An export starts with one, but tools and people prepend notes.
func looksLikeWhatsApp(prefix []byte) bool {
	lr := newLineReader(bytes.NewReader(prefix), len(prefix)+1)
	var cl cleaner
	for range 50 {
		line, _, ok := lr.next()
		if !ok {
			return false
		}
		if _, ok := scanWAHeader(cl.clean(line)); ok {
			return true
		}
	}
	return false
}

// Keys that only one of the JSON formats writes, at any depth.
var (
	discordKeys = map[string]bool{
		"guild": true, "channel": true, "dateRange": true, "exportedAt": true,
		"messageCount": true, "timestampEdited": true, "callEndedTimestamp": true,
		"isPinned": true, "inlineEmojis": true, "content": true, "author": true,
		"timestamp": true, "embeds": true, "reactions": true, "mentions": true,
	}
	telegramKeys = map[string]bool{
		"personal_information": true, "chats": true, "left_chats": true, "about": true,
		"profile_pictures": true, "frequent_contacts": true, "contacts": true,
		"date_unixtime": true, "from_id": true, "text_entities": true, "actor_id": true,
		"edited_unixtime": true, "from": true, "date": true, "text": true,
		"reply_to_message_id": true, "media_type": true, "photo": true,
	}
)

// telegramChatKeys start a single-chat Telegram export; Discord writes them
// only inside objects.
var telegramChatKeys = map[string]bool{"name": true, "type": true, "id": true}

// detectJSON tells Telegram from Discord by the keys in the first bytes:
// each format has keys the other never writes.
func detectJSON(prefix []byte) Format {
	dec := json.NewDecoder(bytes.NewReader(prefix))
	type frame struct{ object, wantKey bool }
	var stack []frame
	var discord, telegram int
	for discord+telegram < 64 && len(stack) <= 256 {
		tok, err := dec.Token()
		if err != nil {
			break // the prefix ends mid-token, or is not JSON
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				if top != nil && top.object {
					top.wantKey = true // this container is a value
				}
				stack = append(stack, frame{object: d == '{', wantKey: true})
			} else if top != nil {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if top == nil || !top.object {
			continue
		}
		if !top.wantKey {
			top.wantKey = true
			continue
		}
		top.wantKey = false
		key, _ := tok.(string)
		switch {
		case discordKeys[key]:
			discord++
		case telegramKeys[key], len(stack) == 1 && telegramChatKeys[key]:
			telegram++
		}
	}
	switch {
	case discord > telegram:
		return FormatDiscord
	case telegram > discord:
		return FormatTelegram
	}
	return FormatAuto
}
