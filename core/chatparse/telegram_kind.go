package chatparse

import (
	"path"
	"strings"

	"github.com/chatlens/chatlens/core"
)

// tgMediaTypes maps Telegram's "media_type" to the model's media types.
var tgMediaTypes = map[string]string{
	"sticker":       "sticker",
	"animation":     "gif",
	"video_file":    "video",
	"video_message": "video",
	"voice_message": "audio",
	"audio_file":    "audio",
}

// tgCallActions are service actions that are calls, not notices.
var tgCallActions = map[string]bool{"phone_call": true, "group_call": true}

// build turns the gathered fields into a message; false for entries of an
// unknown type or without a usable time.
func (p *tgParser) build(t *tgMessage) (*core.Message, bool) {
	if t.typ != "message" && t.typ != "service" {
		return nil, false
	}
	local, at, ok := p.tgTime(t)
	if !ok {
		return nil, false
	}
	m := &core.Message{Local: local, At: at, PlatformID: t.id, ReplyTo: t.replyTo,
		Edited: t.edited, Text: t.text.b.String()}
	if t.typ == "service" {
		if tgCallActions[t.action] {
			m.Kind, m.Author, m.AuthorID = core.MessageCall, tidyName(t.actor), t.actorID
			nameDeleted(m)
			return m, true
		}
		m.Kind = core.MessageSystem
		if m.Text == "" {
			m.Text = strings.TrimSpace(t.actor + " " + strings.ReplaceAll(t.action, "_", " "))
		}
		return m, true
	}
	m.Author, m.AuthorID = tidyName(t.from), t.fromID
	m.Kind = core.MessageText
	switch {
	case t.poll:
		m.Kind = core.MessagePoll
	case t.location:
		m.Kind = core.MessageLocation
		if m.Text == "" && t.latitude != "" {
			m.Text = t.latitude + "," + t.longitude
		}
	case t.contact:
		m.Kind, m.MediaType = core.MessageMedia, "contact"
	case t.mediaType == "sticker":
		m.Kind, m.MediaType = core.MessageSticker, "sticker"
	case t.photo != "":
		m.Kind, m.MediaType = core.MessageMedia, "image"
	case t.file != "" || t.mediaType != "":
		m.Kind, m.MediaType = core.MessageMedia, "document"
		if mt, ok := tgMediaTypes[t.mediaType]; ok {
			m.MediaType = mt
		}
	}
	m.Attachment = attachmentBase(t.fileName, t.file, t.photo)
	nameDeleted(m)
	return m, true
}

// nameDeleted makes sure a participant's message has an author: Telegram
// writes "from": null for deleted accounts, which its apps show as below.
func nameDeleted(m *core.Message) {
	if m.Author == "" {
		m.Author = "Deleted Account"
	}
}

// attachmentBase returns the first usable file name. Telegram writes a path
// relative to the export, or a note when the file was not exported.
func attachmentBase(names ...string) string {
	for _, n := range names {
		if n != "" && !strings.HasPrefix(n, "(File ") {
			return path.Base(n)
		}
	}
	return ""
}
