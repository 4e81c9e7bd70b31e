package chatparse

import (
	"path"
	"strconv"
	"strings"
	"time"

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
		Edited: t.edited, Text: t.text.b.String(), Reactions: t.reactions}
	if t.typ == "service" {
		m.Event = &core.Event{Action: t.action, Actor: cutRunes(tidyName(t.actor), maxNameBytes), ActorID: t.actorID,
			Members: t.members, Title: cutRunes(t.title, maxNameBytes), Outcome: t.discard}
		if sec, err := strconv.ParseInt(t.callSeconds, 10, 64); err == nil && sec > 0 && sec < maxCallSeconds {
			m.Event.Duration = time.Duration(sec) * time.Second
		}
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
		// The point goes into Geo; the text keeps what labels it: a
		// venue's name and address, or the message's own text.
		m.Kind = core.MessageLocation
		m.Geo = tgPoint(t.latitude, t.longitude)
		if label := strings.TrimSpace(t.placeName + "\n" + t.address); m.Text == "" && label != "" {
			m.Text = label
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
	if m.Attachment != "" {
		m.Attachments = []core.Attachment{{Name: m.Attachment, MediaType: m.MediaType}}
	}
	nameDeleted(m)
	return m, true
}

// maxCallSeconds bounds a call's length (a week): longer is a broken file.
const maxCallSeconds = 7 * 24 * 3600

// tgPoint reads "location_information"'s numbers, or nil.
func tgPoint(lat, lon string) *core.GeoPoint {
	if g, ok := latLon(lat + "," + lon); ok {
		return g
	}
	return nil
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
