package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/ports"
)

type messages unit

func (u *unit) Messages() ports.Messages { return (*messages)(u) }

func (r *messages) u() *unit { return (*unit)(r) }

type messageRow struct {
	bun.BaseModel `bun:"table:messages,alias:m"`

	ChatID      string          `bun:"chat_id,pk,type:uuid"`
	Seq         int64           `bun:"seq,pk"`
	Local       time.Time       `bun:"local,type:timestamp,nullzero"`
	At          time.Time       `bun:"at,nullzero"`
	FilterAt    time.Time       `bun:"filter_at,notnull"`
	Author      string          `bun:"author,notnull"`
	AuthorID    string          `bun:"author_id,notnull"`
	Kind        string          `bun:"kind,notnull"`
	Text        string          `bun:"text,notnull"`
	MediaType   string          `bun:"media_type,notnull"`
	Attachment  string          `bun:"attachment,notnull"`
	Attachments json.RawMessage `bun:"attachments,type:jsonb,nullzero"`
	Reactions   json.RawMessage `bun:"reactions,type:jsonb,nullzero"`
	GeoLat      *float64        `bun:"geo_lat"`
	GeoLon      *float64        `bun:"geo_lon"`
	Event       json.RawMessage `bun:"event,type:jsonb,nullzero"`
	Edited      bool            `bun:"edited,notnull"`
	ReplyTo     string          `bun:"reply_to,notnull"`
	PlatformID  string          `bun:"platform_id,notnull"`
}

// The parts of a message stored as JSON, with names of their own so that
// renaming a core field never changes stored data. No omitempty: nil and
// empty lists both come back as they were written.
type (
	attachmentDoc struct {
		Name      string `json:"name"`
		MediaType string `json:"media_type"`
		Size      int64  `json:"size"`
	}
	reactionDoc struct {
		Emoji string       `json:"emoji"`
		Count int          `json:"count"`
		By    []reactorDoc `json:"by"`
	}
	reactorDoc struct {
		Name string `json:"name"`
		ID   string `json:"id"`
	}
	eventDoc struct {
		Action   string        `json:"action"`
		Actor    string        `json:"actor"`
		ActorID  string        `json:"actor_id"`
		Members  []string      `json:"members"`
		Title    string        `json:"title"`
		Duration time.Duration `json:"duration_ns"`
		Outcome  string        `json:"outcome"`
	}
)

// messageColumns are the columns Insert copies, in the order of
// messageValues.
var messageColumns = []string{
	"chat_id", "seq", "local", "at", "filter_at", "author", "author_id", "kind", "text",
	"media_type", "attachment", "attachments", "reactions", "geo_lat", "geo_lon", "event",
	"edited", "reply_to", "platform_id",
}

// messageValues is one message as a row of messageColumns. Times are cut
// to microseconds, as PostgreSQL keeps them; a zero time is NULL.
func messageValues(chat pgtype.UUID, m core.Message) ([]any, error) {
	attachments, reactions, event, err := messageParts(m)
	if err != nil {
		return nil, err
	}
	var lat, lon any
	if m.Geo != nil {
		lat, lon = m.Geo.Lat, m.Geo.Lon
	}
	return []any{
		chat, m.Seq, nullTime(micro(m.Local)), nullTime(micro(m.At)), micro(core.MessageTime(m)),
		m.Author, m.AuthorID, m.Kind.String(), m.Text, m.MediaType, m.Attachment,
		attachments, reactions, lat, lon, event, m.Edited, m.ReplyTo, m.PlatformID,
	}, nil
}

// nullTime is t, or nil (NULL) for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// messageParts encodes the attachments, reactions and event as JSON, each
// nil (NULL) when the message has none.
func messageParts(m core.Message) (attachments, reactions, event []byte, err error) {
	if m.Attachments != nil {
		docs := make([]attachmentDoc, len(m.Attachments))
		for i, a := range m.Attachments {
			docs[i] = attachmentDoc{Name: a.Name, MediaType: a.MediaType, Size: a.Size}
		}
		if attachments, err = json.Marshal(docs); err != nil {
			return nil, nil, nil, err
		}
	}
	if m.Reactions != nil {
		docs := make([]reactionDoc, len(m.Reactions))
		for i, r := range m.Reactions {
			docs[i] = reactionDoc{Emoji: r.Emoji, Count: r.Count}
			if r.By != nil {
				docs[i].By = make([]reactorDoc, len(r.By))
				for j, by := range r.By {
					docs[i].By[j] = reactorDoc{Name: by.Name, ID: by.ID}
				}
			}
		}
		if reactions, err = json.Marshal(docs); err != nil {
			return nil, nil, nil, err
		}
	}
	if e := m.Event; e != nil {
		doc := eventDoc{Action: e.Action, Actor: e.Actor, ActorID: e.ActorID, Members: e.Members,
			Title: e.Title, Duration: e.Duration, Outcome: e.Outcome}
		if event, err = json.Marshal(doc); err != nil {
			return nil, nil, nil, err
		}
	}
	return attachments, reactions, event, nil
}

func (r *messageRow) toMessage() (core.Message, error) {
	kind, err := core.ParseMessageKind(r.Kind)
	if err != nil {
		return core.Message{}, err
	}
	m := core.Message{
		Seq: r.Seq, Local: utc(r.Local), At: utc(r.At), Author: r.Author, AuthorID: r.AuthorID,
		Kind: kind, Text: r.Text, MediaType: r.MediaType, Attachment: r.Attachment,
		Edited: r.Edited, ReplyTo: r.ReplyTo, PlatformID: r.PlatformID,
	}
	if r.GeoLat != nil && r.GeoLon != nil {
		m.Geo = &core.GeoPoint{Lat: *r.GeoLat, Lon: *r.GeoLon}
	}
	if r.Attachments != nil {
		var docs []attachmentDoc
		if err := json.Unmarshal(r.Attachments, &docs); err != nil {
			return core.Message{}, err
		}
		m.Attachments = make([]core.Attachment, len(docs))
		for i, d := range docs {
			m.Attachments[i] = core.Attachment{Name: d.Name, MediaType: d.MediaType, Size: d.Size}
		}
	}
	if r.Reactions != nil {
		var docs []reactionDoc
		if err := json.Unmarshal(r.Reactions, &docs); err != nil {
			return core.Message{}, err
		}
		m.Reactions = make([]core.Reaction, len(docs))
		for i, d := range docs {
			m.Reactions[i] = core.Reaction{Emoji: d.Emoji, Count: d.Count}
			if d.By != nil {
				m.Reactions[i].By = make([]core.Reactor, len(d.By))
				for j, by := range d.By {
					m.Reactions[i].By[j] = core.Reactor{Name: by.Name, ID: by.ID}
				}
			}
		}
	}
	if r.Event != nil {
		var d eventDoc
		if err := json.Unmarshal(r.Event, &d); err != nil {
			return core.Message{}, err
		}
		m.Event = &core.Event{Action: d.Action, Actor: d.Actor, ActorID: d.ActorID, Members: d.Members,
			Title: d.Title, Duration: d.Duration, Outcome: d.Outcome}
	}
	return m, nil
}

// liveChat is the condition that the chat exists and is live: messages are
// hidden through their chat.
const liveChat = "EXISTS (SELECT 1 FROM chats c WHERE c.id = m.chat_id AND c.deleted_at IS NULL)"

// Insert copies the messages in with COPY on the unit's own connection
// (pgx's CopyFrom, reached through database/sql's Conn.Raw: bun has no
// COPY), in one pass over msgs: pgx sends them in chunks of about 64 KiB as
// msgs yields them, so memory stays flat however long the chat. An error
// msgs yields aborts the COPY (and so the unit) and is returned as is.
func (r *messages) Insert(ctx context.Context, chat core.ChatID, msgs iter.Seq2[core.Message, error]) (int64, error) {
	if !validUUID(string(chat)) {
		return 0, errChatNotFound
	}
	live, err := r.u().tx.NewSelect().Model((*chatRow)(nil)).Where("c.id = ?", string(chat)).Exists(ctx)
	if err := r.u().check(err); err != nil {
		return 0, err
	}
	if !live {
		return 0, errChatNotFound
	}
	next, stop := iter.Pull2(msgs)
	defer stop()
	// The chat's id goes in as a UUID, parsed once: as a Go string, pgx
	// fails its binary encoding on every row and falls back to parsing the
	// text, which cost a quarter of the server's CPU in an import.
	var id pgtype.UUID
	if err := id.Scan(string(chat)); err != nil {
		return 0, errChatNotFound
	}
	src := &messageSource{chat: id, next: next}
	var n int64
	err = r.u().conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: COPY needs pgx's driver, not %T", dc)
		}
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{"messages"}, messageColumns, src)
		return err
	})
	if src.err != nil { // the caller's error, or a message that cannot be encoded
		return 0, src.err
	}
	if err != nil {
		return 0, fmt.Errorf("copying messages: %w", r.u().check(err))
	}
	return n, nil
}

// messageSource feeds CopyFrom from an iterator, one message at a time.
type messageSource struct {
	chat pgtype.UUID
	next func() (core.Message, error, bool)
	row  []any
	err  error
}

func (s *messageSource) Next() bool {
	m, err, ok := s.next()
	switch {
	case !ok:
		return false
	case err != nil:
		s.err = err
		return false
	}
	s.row, s.err = messageValues(s.chat, m)
	if s.err != nil {
		s.err = fmt.Errorf("message %d: %w", m.Seq, s.err)
		return false
	}
	return true
}

func (s *messageSource) Values() ([]any, error) { return s.row, nil }
func (s *messageSource) Err() error             { return s.err }
