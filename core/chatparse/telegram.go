package chatparse

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/chatlens/chatlens/core"
)

// maxChatNames caps the chat names a ChatNotFoundError lists.
const maxChatNames = 100

// tgParser reads a Telegram Desktop export: one chat ({"name", "messages"})
// or a whole account ({"chats": {"list": [chat, …]}, "left_chats": …}).
type tgParser struct {
	js     *jsonStream
	opts   Options
	report *Report
	emit   func(*core.Message) bool

	found bool     // the chosen chat of a full export was read
	names []string // chats of a full export, for the error (cut to maxNameBytes)
}

// errStopped unwinds the JSON walk when the consumer stops early.
var errStopped = errors.New("stopped by the consumer")

func parseTelegram(r io.Reader, opts Options, rep *Report, emit func(*core.Message) bool) error {
	p := &tgParser{js: newJSONStream(r, opts.Limits), opts: opts, report: rep, emit: emit}
	full := false
	err := p.js.object(func(key string) error {
		switch key {
		case "name":
			name, err := p.js.scalar()
			rep.Chat = name
			return err
		case "messages": // a single-chat export
			return p.messages()
		case "chats", "left_chats":
			full = true
			return p.chatList()
		}
		return p.js.skip()
	})
	switch {
	case errors.Is(err, errStopped):
		return nil
	case err != nil:
		return fmt.Errorf("telegram export: %w", err)
	case full && !p.found:
		return &ChatNotFoundError{Want: opts.Chat, Names: p.names}
	}
	return nil
}

// chatList reads {"about": …, "list": [chat, …]} of a full export.
func (p *tgParser) chatList() error {
	return p.js.object(func(key string) error {
		if key != "list" {
			return p.js.skip()
		}
		return p.js.array(p.chat)
	})
}

// chat reads one chat of a full export and yields its messages when it is
// the one asked for. Telegram writes "name" and "id" before "messages"; a
// chat written otherwise cannot be chosen without holding its messages.
func (p *tgParser) chat() error {
	var name, id string
	return p.js.object(func(key string) error {
		switch key {
		case "name":
			var err error
			name, err = p.js.scalar()
			if len(p.names) < maxChatNames {
				p.names = append(p.names, cleanName(name))
			}
			return err
		case "id":
			var err error
			id, err = p.js.scalar()
			return err
		case "messages":
			want := p.opts.Chat
			if p.found || want == "" || (want != name && want != id) {
				return p.js.skip()
			}
			p.found = true
			p.report.Chat = name
			return p.messages()
		}
		return p.js.skip()
	})
}

func (p *tgParser) messages() error {
	return p.js.array(func() error {
		m, ok, err := p.message()
		if err != nil || !ok {
			return err
		}
		if !p.emit(m) {
			return errStopped
		}
		return nil
	})
}

// tgMessage gathers a message's fields, which may come in any order, until
// the object ends and its kind can be decided.
type tgMessage struct {
	id, typ, date, unix, from, fromID string
	actor, actorID, action, replyTo   string
	photo, file, fileName, mediaType  string
	latitude, longitude               string
	placeName, address                string
	title, callSeconds, discard       string
	edited, location, poll, contact   bool
	members                           []string
	reactions                         []core.Reaction
	text                              textBuilder
}

// message reads one message object; ok is false for entries of an unknown
// shape, which are counted and skipped.
func (p *tgParser) message() (*core.Message, bool, error) {
	t := tgMessage{text: textBuilder{max: p.opts.Limits.MaxMessageBytes}}
	err := p.js.object(func(key string) error { return p.field(&t, key) })
	if err != nil {
		return nil, false, err
	}
	if t.text.cut {
		p.report.TruncatedMessages++
	}
	m, ok := p.build(&t)
	if !ok {
		p.report.SkippedEntries++
	}
	return m, ok, nil
}

func (p *tgParser) field(t *tgMessage, key string) error {
	if dst := t.stringField(key); dst != nil {
		v, err := p.js.scalar()
		*dst = v
		return err
	}
	switch key {
	case "text":
		return p.text(&t.text)
	case "edited", "edited_unixtime":
		t.edited = true
	case "location_information":
		t.location = true
		return p.js.object(func(k string) (err error) {
			switch k {
			case "latitude":
				t.latitude, err = p.js.scalar()
			case "longitude":
				t.longitude, err = p.js.scalar()
			default:
				err = p.js.skip()
			}
			return err
		})
	case "poll":
		t.poll = true
		return p.poll(&t.text)
	case "contact_information":
		t.contact = true
	case "members":
		return p.js.array(func() error {
			name, err := p.js.scalar()
			if name = tidyName(name); name == "" {
				name = "Deleted Account" // null, as for "from"
			}
			if len(t.members) < maxListed {
				t.members = append(t.members, cutRunes(name, maxNameBytes))
			}
			return err
		})
	case "reactions":
		return p.js.array(func() error { return p.reaction(t) })
	}
	return p.js.skip()
}

// reaction reads one of "reactions": {"type": "emoji", "count": 2, "emoji":
// "👍", "recent": [{"from": …, "from_id": …}]}, or a custom emoji's
// "document_id", or a paid reaction, which has neither.
func (p *tgParser) reaction(t *tgMessage) error {
	var r core.Reaction
	var typ, count, doc string
	err := p.js.object(func(k string) (err error) {
		switch k {
		case "type":
			typ, err = p.js.scalar()
		case "count":
			count, err = p.js.scalar()
		case "emoji":
			r.Emoji, err = p.js.scalar()
		case "document_id":
			doc, err = p.js.scalar()
		case "recent":
			err = p.js.array(func() error {
				var by core.Reactor
				err := p.js.object(func(k string) (err error) {
					switch k {
					case "from":
						by.Name, err = p.js.scalar()
					case "from_id":
						by.ID, err = p.js.scalar()
					default:
						err = p.js.skip()
					}
					return err
				})
				if len(r.By) < maxListed {
					r.By = append(r.By, cleanReactor(by))
				}
				return err
			})
		default:
			err = p.js.skip()
		}
		return err
	})
	if r.Emoji == "" {
		r.Emoji = typ // "paid", or "custom_emoji" with its document id
		if doc != "" {
			r.Emoji = typ + ":" + doc
		}
	}
	addReaction(&t.reactions, r, count)
	return err
}

// stringField returns where the scalar field key goes, or nil.
func (t *tgMessage) stringField(key string) *string {
	switch key {
	case "id":
		return &t.id
	case "type":
		return &t.typ
	case "date":
		return &t.date
	case "date_unixtime":
		return &t.unix
	case "from":
		return &t.from
	case "from_id":
		return &t.fromID
	case "actor":
		return &t.actor
	case "actor_id":
		return &t.actorID
	case "action":
		return &t.action
	case "reply_to_message_id":
		return &t.replyTo
	case "photo":
		return &t.photo
	case "file":
		return &t.file
	case "file_name":
		return &t.fileName
	case "media_type":
		return &t.mediaType
	case "place_name":
		return &t.placeName
	case "address":
		return &t.address
	case "title":
		return &t.title
	case "duration_seconds", "duration": // a call's; a voice message's is ignored
		return &t.callSeconds
	case "discard_reason":
		return &t.discard
	}
	return nil
}

// tgTime reads "date_unixtime" (an instant, preferred) and "date" (the wall
// clock of the exporting computer).
func (p *tgParser) tgTime(t *tgMessage) (local, at time.Time, ok bool) {
	if sec, err := strconv.ParseInt(t.unix, 10, 64); err == nil && t.unix != "" {
		at = time.Unix(sec, 0).UTC()
	}
	if d, err := time.Parse("2006-01-02T15:04:05", t.date); err == nil {
		local = d
	}
	if !plausibleTime(at) {
		at = time.Time{}
	}
	if !plausibleTime(local) {
		local = time.Time{}
	}
	switch {
	case at.IsZero() && local.IsZero():
		return local, at, false
	case at.IsZero() && p.opts.Location != nil:
		at = wallIn(local, p.opts.Location).UTC()
	case local.IsZero() && p.opts.Location != nil:
		local = wallClock(at.In(p.opts.Location))
	case local.IsZero():
		local = at
	}
	return local, at, true
}

// wallClock keeps t's clock reading and drops its zone: the shape of
// core.Message.Local.
func wallClock(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// wallIn reads the clock reading of wall in loc.
func wallIn(wall time.Time, loc *time.Location) time.Time {
	return time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), wall.Nanosecond(), loc)
}
