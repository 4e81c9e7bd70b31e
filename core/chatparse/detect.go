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

// telegramAccountKeys are top-level keys of a Telegram full-account export
// that come before "chats" and can fill the detection window (a long contact
// list).
var telegramAccountKeys = map[string]bool{
	"about": true, "personal_information": true, "profile_pictures": true,
	"contacts": true, "frequent_contacts": true,
}

// telegramChatTypes are the "type" values of a Telegram single-chat export,
// as Telegram Desktop writes them (export_output_json.cpp).
var telegramChatTypes = map[string]bool{
	"personal_chat": true, "bot_chat": true, "private_group": true, "private_supergroup": true,
	"public_supergroup": true, "private_channel": true, "public_channel": true,
	"saved_messages": true, "replies": true, "verification_codes": true,
}

// jsonShape is what detectJSON saw of a document's structure.
type jsonShape struct {
	guild, channel bool // top-level "guild" and "channel" (Discord)
	messages       bool // a top-level "messages" array
	typedMessage   bool // an object in it with a "type" key (Telegram)
	chatType       bool // a top-level "type" naming a Telegram chat type
	chatList       bool // "chats": {"list": …} (Telegram full account)
	account        bool // a top-level key only a full-account export writes
}

// detectJSON tells Telegram from Discord by structure, not by a key that
// any JSON may hold: Telegram has a top-level "messages" array of entries
// with a "type" (or a chat "type" beside it), or "chats": {"list": …}; Discord has "guild" or "channel"
// beside "messages". A package.json is neither.
func detectJSON(prefix []byte) Format {
	sh := scanJSONShape(prefix)
	switch {
	case (sh.guild || sh.channel) && sh.messages, sh.guild && sh.channel:
		return FormatDiscord
	case sh.messages && (sh.typedMessage || sh.chatType), sh.chatList, sh.account && !sh.messages:
		return FormatTelegram
	}
	return FormatAuto
}

// scanJSONShape walks the tokens of prefix (which may end mid-document)
// noting the keys that give a format's structure away.
func scanJSONShape(prefix []byte) jsonShape {
	dec := json.NewDecoder(bytes.NewReader(prefix))
	type frame struct {
		object, wantKey bool
		key             string // the key whose value this container is
	}
	var stack []frame
	var sh jsonShape
	var lastKey string
	for len(stack) <= 256 {
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
				key := ""
				if top != nil && top.object {
					top.wantKey = true // this container is a value
					key = lastKey
				}
				if len(stack) == 1 && key == "messages" && d == '[' {
					sh.messages = true
				}
				stack = append(stack, frame{object: d == '{', wantKey: true, key: key})
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
			if v, ok := tok.(string); ok && len(stack) == 1 && lastKey == "type" {
				sh.chatType = telegramChatTypes[v]
			}
			continue
		}
		top.wantKey = false
		lastKey, _ = tok.(string)
		switch len(stack) {
		case 1:
			sh.guild = sh.guild || lastKey == "guild"
			sh.channel = sh.channel || lastKey == "channel"
			sh.account = sh.account || telegramAccountKeys[lastKey]
		case 2:
			sh.chatList = sh.chatList || (stack[1].key == "chats" && lastKey == "list")
		case 3:
			sh.typedMessage = sh.typedMessage || (stack[1].key == "messages" && !stack[1].object && lastKey == "type")
		}
	}
	return sh
}
