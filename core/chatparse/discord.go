package chatparse

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strconv"
	"time"

	"github.com/chatlens/chatlens/core"
)

// dcUserTypes are DiscordChatExporter message types a person writes; "Call"
// is a call; every other type ("GuildMemberJoin", "ChannelPinnedMessage",
// "RecipientAdd", "ThreadCreated", …) is a system notice.
var dcUserTypes = map[string]bool{
	"Default": true, "Reply": true, "ChatInputCommand": true, "ContextMenuCommand": true,
	"ApplicationCommand": true, "ThreadStarterMessage": true, "": true,
}

// dcParser reads a DiscordChatExporter JSON export.
type dcParser struct {
	js     *jsonStream
	opts   Options
	report *Report
	emit   func(*core.Message) bool

	guild, channel string
	// Overlapping exports merged into one file repeat messages; each id is
	// imported once. Snowflakes are numbers, kept as such to stay compact;
	// any other id is kept as a 64-bit hash (an id can be megabytes long),
	// in a set of its own so that it cannot collide with a snowflake.
	seen      map[uint64]struct{}
	seenOther map[uint64]struct{}
	seed      maphash.Seed
}

func parseDiscord(r io.Reader, opts Options, rep *Report, emit func(*core.Message) bool) error {
	p := &dcParser{js: newJSONStream(r, opts.Limits), opts: opts, report: rep, emit: emit,
		seen: make(map[uint64]struct{}), seenOther: make(map[uint64]struct{}), seed: maphash.MakeSeed()}
	err := p.js.object(func(key string) error {
		switch key {
		case "guild":
			return p.named(&p.guild)
		case "channel":
			return p.named(&p.channel)
		case "messages":
			return p.js.array(p.message)
		}
		return p.js.skip()
	})
	rep.Chat = p.channel
	if p.guild != "" && p.channel != "" {
		rep.Chat = p.guild + " / " + p.channel
	}
	if errors.Is(err, errStopped) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("discord export: %w", err)
	}
	return nil
}

// named reads the "name" of the object that comes next.
func (p *dcParser) named(dst *string) error {
	return p.js.object(func(key string) error {
		if key != "name" {
			return p.js.skip()
		}
		var err error
		*dst, err = p.js.scalar()
		return err
	})
}

// dcMessage gathers a message's fields until its object ends.
type dcMessage struct {
	id, typ, timestamp, edited, replyTo string
	callEnded                           string
	author, authorNick, authorID        string
	attachments, stickers               []core.Attachment
	reactions                           []core.Reaction
	mentions                            []string // names, for a notice's members
	content                             textBuilder
}

func (p *dcParser) message() error {
	d := dcMessage{content: textBuilder{max: p.opts.Limits.MaxMessageBytes}}
	if err := p.js.object(func(key string) error { return p.field(&d, key) }); err != nil {
		return err
	}
	if d.content.cut {
		p.report.TruncatedMessages++
	}
	m, ok := p.build(&d)
	if !ok {
		return nil
	}
	if !p.emit(m) {
		return errStopped
	}
	return nil
}

func (p *dcParser) field(d *dcMessage, key string) (err error) {
	switch key {
	case "id":
		d.id, err = p.js.scalar()
	case "type":
		d.typ, err = p.js.scalar()
	case "timestamp":
		d.timestamp, err = p.js.scalar()
	case "timestampEdited":
		d.edited, err = p.js.scalar()
	case "content":
		var s string
		s, err = p.js.scalar()
		d.content.add(s)
	case "author":
		err = p.js.object(func(k string) (err error) {
			switch k {
			case "id":
				d.authorID, err = p.js.scalar()
			case "name":
				d.author, err = p.js.scalar()
			case "nickname":
				d.authorNick, err = p.js.scalar()
			default:
				err = p.js.skip()
			}
			return err
		})
	case "callEndedTimestamp":
		d.callEnded, err = p.js.scalar()
	case "attachments":
		err = p.js.array(func() error { return p.file(&d.attachments, "fileName") })
	case "stickers":
		err = p.js.array(func() error { return p.file(&d.stickers, "name") })
	case "reactions":
		err = p.js.array(func() error { return p.reaction(d) })
	case "mentions":
		err = p.js.array(func() error { return p.mention(d) })
	case "reference":
		err = p.js.object(func(k string) (err error) {
			if k == "messageId" {
				d.replyTo, err = p.js.scalar()
				return err
			}
			return p.js.skip()
		})
	default:
		err = p.js.skip()
	}
	return err
}

// file reads an attachment ({"fileName": …, "fileSizeBytes": …}) or a
// sticker ({"name": …}), whose name is under nameKey.
func (p *dcParser) file(list *[]core.Attachment, nameKey string) error {
	var a core.Attachment
	var size string
	err := p.js.object(func(k string) (err error) {
		switch k {
		case nameKey:
			a.Name, err = p.js.scalar()
		case "fileSizeBytes":
			size, err = p.js.scalar()
		default:
			err = p.js.skip()
		}
		return err
	})
	if len(*list) < maxListed {
		a.Name = cutRunes(a.Name, maxNameBytes)
		if n, err := strconv.ParseInt(size, 10, 64); err == nil && n > 0 {
			a.Size = n
		}
		a.MediaType = "sticker"
		if nameKey != "name" {
			a.MediaType = mediaTypeOf(a.Name)
		}
		*list = append(*list, a)
	}
	return err
}

// reaction reads {"emoji": {"id": …, "name": …}, "count": 2, "users":
// [{"id": …, "name": …, "nickname": …}]} (users only in newer exports). A
// custom emoji is named by its name.
func (p *dcParser) reaction(d *dcMessage) error {
	var r core.Reaction
	var count string
	err := p.js.object(func(k string) (err error) {
		switch k {
		case "emoji":
			err = p.js.object(func(k string) (err error) {
				if k == "name" {
					r.Emoji, err = p.js.scalar()
					return err
				}
				return p.js.skip()
			})
		case "count":
			count, err = p.js.scalar()
		case "users":
			err = p.js.array(func() error {
				var name, nick, id string
				err := p.js.object(func(k string) (err error) {
					switch k {
					case "id":
						id, err = p.js.scalar()
					case "name":
						name, err = p.js.scalar()
					case "nickname":
						nick, err = p.js.scalar()
					default:
						err = p.js.skip()
					}
					return err
				})
				if nick == "" {
					nick = name
				}
				if len(r.By) < maxListed {
					r.By = append(r.By, cleanReactor(core.Reactor{Name: nick, ID: id}))
				}
				return err
			})
		default:
			err = p.js.skip()
		}
		return err
	})
	addReaction(&d.reactions, r, count)
	return err
}

// mention reads a mentioned user ({"id": …, "name": …, "nickname": …}): in
// a notice ("RecipientAdd", "RecipientRemove"), who it was done to.
func (p *dcParser) mention(d *dcMessage) error {
	var name, nick string
	err := p.js.object(func(k string) (err error) {
		switch k {
		case "name":
			name, err = p.js.scalar()
		case "nickname":
			nick, err = p.js.scalar()
		default:
			err = p.js.skip()
		}
		return err
	})
	if nick = tidyName(nick); nick == "" {
		nick = tidyName(name)
	}
	if nick != "" && len(d.mentions) < maxListed {
		d.mentions = append(d.mentions, cutRunes(nick, maxNameBytes))
	}
	return err
}

// build turns the gathered fields into a message; false for a duplicate or
// an entry without a readable timestamp.
func (p *dcParser) build(d *dcMessage) (*core.Message, bool) {
	ts, err := time.Parse(time.RFC3339Nano, d.timestamp)
	if err != nil || !plausibleTime(ts) || !plausibleTime(ts.UTC()) {
		p.report.SkippedEntries++
		return nil, false
	}
	if p.duplicate(d.id) {
		p.report.Duplicates++
		return nil, false
	}
	m := &core.Message{Local: wallClock(ts), At: ts.UTC(), PlatformID: d.id,
		ReplyTo: d.replyTo, Edited: d.edited != "", Text: d.content.b.String(), Reactions: d.reactions}
	author, authorID := tidyName(d.authorNick), d.authorID
	if author == "" {
		author = tidyName(d.author)
	}
	switch {
	case d.typ == "Call":
		m.Kind = core.MessageCall
		m.Event = &core.Event{Action: d.typ, Actor: cutRunes(author, maxNameBytes), ActorID: authorID,
			Duration: callLength(ts, d.callEnded)}
	case !dcUserTypes[d.typ]:
		// A notice keeps the export's own text ("Joined the server.") and
		// says who acted in its event: a notice has no author.
		m.Kind, m.ReplyTo = core.MessageSystem, "" // a pin notice's reference is no reply
		m.Event = &core.Event{Action: d.typ, Actor: cutRunes(author, maxNameBytes), ActorID: authorID,
			Members: d.mentions}
		return m, true
	case len(d.attachments) > 0:
		m.Kind, m.Attachment, m.MediaType = core.MessageMedia, d.attachments[0].Name, d.attachments[0].MediaType
	case len(d.stickers) > 0:
		m.Kind, m.MediaType = core.MessageSticker, "sticker"
	default:
		m.Kind = core.MessageText
	}
	m.Attachments = append(d.attachments, d.stickers...)
	m.Author, m.AuthorID = author, authorID
	if m.Author == "" && m.AuthorID == "" {
		m.Author = "Unknown User"
	}
	return m, true
}

// callLength is a call's length from its start and the export's
// "callEndedTimestamp"; 0 when unknown or implausible.
func callLength(start time.Time, ended string) time.Duration {
	end, err := time.Parse(time.RFC3339Nano, ended)
	if err != nil {
		return 0
	}
	if d := end.Sub(start); d > 0 && d < maxCallSeconds*time.Second {
		return d
	}
	return 0
}

// duplicate reports whether id was seen before, and remembers it.
func (p *dcParser) duplicate(id string) bool {
	if id == "" {
		return false
	}
	if n, err := strconv.ParseUint(id, 10, 64); err == nil {
		if _, ok := p.seen[n]; ok {
			return true
		}
		p.seen[n] = struct{}{}
		return false
	}
	h := maphash.String(p.seed, id)
	if _, ok := p.seenOther[h]; ok {
		return true
	}
	p.seenOther[h] = struct{}{}
	return false
}
