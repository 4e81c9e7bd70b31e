package chatparse

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strconv"
	"strings"
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

// dcNoticeWords say what a system message of a known type did.
var dcNoticeWords = map[string]string{
	"GuildMemberJoin":      "joined the server",
	"RecipientAdd":         "added someone to the group",
	"RecipientRemove":      "removed someone from the group",
	"ChannelPinnedMessage": "pinned a message",
	"ChannelNameChange":    "changed the channel name",
	"ChannelIconChange":    "changed the channel icon",
	"ThreadCreated":        "started a thread",
	"GuildBoost":           "boosted the server",
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
	author, authorNick, authorID        string
	attachment                          string
	attachments, stickers               int
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
	case "attachments":
		err = p.js.array(func() error {
			d.attachments++
			return p.js.object(func(k string) (err error) {
				if k == "fileName" && d.attachment == "" {
					d.attachment, err = p.js.scalar()
					return err
				}
				return p.js.skip()
			})
		})
	case "stickers":
		err = p.js.array(func() error { d.stickers++; return p.js.skip() })
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
		ReplyTo: d.replyTo, Edited: d.edited != "", Text: d.content.b.String()}
	switch {
	case d.typ == "Call":
		m.Kind = core.MessageCall
	case !dcUserTypes[d.typ]:
		m.Kind, m.ReplyTo = core.MessageSystem, "" // a pin notice's reference is no reply
		m.Text = dcNoticeText(d, m.Text)
		return m, true
	case d.stickers > 0:
		m.Kind, m.MediaType = core.MessageSticker, "sticker"
	case d.attachments > 0:
		m.Kind, m.Attachment = core.MessageMedia, d.attachment
		m.MediaType = mediaTypeOf(d.attachment)
	default:
		m.Kind = core.MessageText
	}
	m.Author, m.AuthorID = tidyName(d.authorNick), d.authorID
	if m.Author == "" {
		m.Author = tidyName(d.author)
	}
	if m.Author == "" && m.AuthorID == "" {
		m.Author = "Unknown User"
	}
	return m, true
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

// dcNoticeText says who did what: a system message has no author, so a join
// would otherwise lose who joined. DiscordChatExporter's content for the
// known types is its own English wording ("Joined the server."), replaced by
// a sentence with the name; other content is kept after the name.
func dcNoticeText(d *dcMessage, content string) string {
	who := d.authorNick
	if who == "" {
		who = d.author
	}
	who = cutRunes(who, maxNameBytes)
	what, known := dcNoticeWords[d.typ]
	switch {
	case known:
	case content != "" && who != "":
		return who + ": " + content
	case content != "":
		return content
	default:
		what = d.typ
	}
	return strings.TrimSpace(who + " " + what)
}
