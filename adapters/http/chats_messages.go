package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chats"
)

// Message is one message of a chat, whatever the platform it came from;
// fields the export does not carry are absent.
type Message struct {
	Seq         int64               `json:"seq" minimum:"1" doc:"The message's position in its chat (1-based, in the export's order, which is the chat's order)." example:"42"`
	Kind        string              `json:"kind" enum:"text,media,system,deleted,call,location,poll,sticker" doc:"What the message is: words (text), a photo, video, audio, document, contact card or GIF (media), a notice of the platform (system), a message its author deleted (deleted), a call, a shared location, a poll (its question and options in text), a sticker."`
	Author      string              `json:"author,omitempty" doc:"The sender's name as the export wrote it; absent for system notices." example:"Ada"`
	AuthorID    string              `json:"author_id,omitempty" doc:"The platform's id of the sender, where the export has one (Telegram, Discord)." example:"user123"`
	LocalTime   string              `json:"local_time,omitempty" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?$" doc:"The wall-clock time as the export wrote it (ISO 8601 without an offset: the sender's or exporter's clock, in no stated zone)." example:"2024-03-01T09:15:00"`
	At          time.Time           `json:"at,omitzero" doc:"The instant the message was sent, where the export says (Telegram, Discord) or the chat was imported with a time zone; absent when unknown."`
	Text        string              `json:"text" doc:"The message's text, lines joined by a line feed: a caption for media, the notice for a system message, the question and options of a poll; empty when there is none." example:"Dinner at eight?"`
	MediaType   string              `json:"media_type,omitempty" doc:"The kind of media, where known (image, video, audio, document, sticker, gif, contact, …)." example:"image"`
	Edited      bool                `json:"edited" doc:"true when the export marks the message as edited."`
	ReplyTo     string              `json:"reply_to,omitempty" doc:"The platform id of the message this one answers, where the export records replies (compare with platform_id)." example:"1187"`
	PlatformID  string              `json:"platform_id,omitempty" doc:"The message's id on its platform, where it has one." example:"1188"`
	Attachments []MessageAttachment `json:"attachments,omitempty" doc:"The files and stickers sent with the message, where the export lists them."`
	Reactions   []MessageReaction   `json:"reactions,omitempty" doc:"The emoji reactions it received, where the export records them."`
	Location    *MessageLocation    `json:"location,omitempty"`
	Event       *MessageEvent       `json:"event,omitempty"`
	Marks       []TextMark          `json:"marks,omitempty" doc:"For a search (q): the parts of text whose words matched, in order."`
}

// MessageAttachment is one file or sticker sent with a message.
type MessageAttachment struct {
	Name      string `json:"name" doc:"The file's or sticker's name as the export gives it." example:"IMG-20240301-WA0003.jpg"`
	MediaType string `json:"media_type,omitempty" doc:"The kind of media, where known." example:"image"`
	Size      int64  `json:"size,omitempty" doc:"The file's size in bytes, where the export says." example:"120344"`
}

// MessageReaction is the reactions of one emoji to a message.
type MessageReaction struct {
	Emoji string   `json:"emoji" doc:"The emoji, or a custom emoji's name." example:"👍"`
	Count int      `json:"count" minimum:"1" doc:"How many reacted with it." example:"2"`
	By    []string `json:"by,omitempty" doc:"Who reacted, where the export says (perhaps only some of them)."`
}

// MessageLocation is a point on Earth in decimal degrees (WGS 84).
type MessageLocation struct {
	Lat float64 `json:"lat" minimum:"-90" maximum:"90" example:"40.4168"`
	Lon float64 `json:"lon" minimum:"-180" maximum:"180" example:"-3.7038"`
}

// MessageEvent is what a platform recorded about a notice or a call.
type MessageEvent struct {
	Action    string   `json:"action,omitempty" doc:"The platform's name for what happened (Telegram's invite_members, Discord's GuildMemberJoin)." example:"invite_members"`
	Actor     string   `json:"actor,omitempty" doc:"Who did it." example:"Ada"`
	Members   []string `json:"members,omitempty" doc:"Those it was done to."`
	Title     string   `json:"title,omitempty" doc:"A name the action gave (a group's new title)."`
	DurationS float64  `json:"duration_s,omitempty" doc:"A call's length, in seconds." example:"95"`
	Outcome   string   `json:"outcome,omitempty" doc:"How a call ended, in the platform's words (missed, busy, hangup)." example:"hangup"`
}

// TextMark is a part of a message's text, in UTF-16 code units: the
// indices of a JavaScript string (text.slice(start, end)).
type TextMark struct {
	Start int `json:"start" minimum:"0" doc:"Where the part starts: the offset of its first UTF-16 code unit in text (a JavaScript string index; a character outside the BMP, such as an emoji, counts two)." example:"10"`
	End   int `json:"end" minimum:"0" doc:"Where it ends (exclusive), in UTF-16 code units." example:"15"`
}

// MessageList is one page of a chat's messages, in chat order.
type MessageList struct {
	Items      []Message `json:"items" nullable:"false"`
	NextCursor string    `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page."`
}

// searchDoc is the q parameter's description: what a search matches,
// stated as core.SearchTokens and core.ParseSearchQuery do it.
var searchDoc = "Full-text search: only messages holding every term of q (at most " + strconv.Itoa(core.MaxSearchQueryLength) +
	" characters and 16 terms; a q with no term, only punctuation or emoji, is a 422). Terms are cut as PostgreSQL's text search cuts them: " +
	"words are runs of letters and digits, compared in lower case and without accents (\"Zoë\" finds \"zoe\"); a hyphenated word is a term whole and in its parts " +
	"(\"well-known\", \"well\", \"known\"); numbers, e-mail addresses, host names, URLs and file paths are each one term, so \"example\" does not find \"example.com\" " +
	"and \"yes\" does not find \"yes/no\"; emoji, symbols and punctuation are no term. " +
	"Scripts written without spaces between words (Chinese, Japanese, Thai) are one term per run of letters: a search finds such text only by a whole run " +
	"between spaces or punctuation (\"天安门\" does not find \"我爱北京天安门\"). Each result carries marks, the parts of its text that matched."

// messagesInput names every field (huma skips embedded structs of
// unexported types).
type messagesInput struct {
	ID     string    `path:"id" format:"uuid" pattern:"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" patternDescription:"a UUID in its hyphenated form" doc:"The chat's id, as listed (either letter case)." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d50"`
	Cursor string    `query:"cursor" maxLength:"200" pattern:"^[A-Za-z0-9_-]*$" doc:"next_cursor of the previous page; empty for the first page."`
	Limit  int       `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Items per page."`
	From   time.Time `query:"from" doc:"Only messages sent at or after this time: an RFC 3339 date-time naming a real instant (a day its month has, no leap second, an offset under 24 hours; anything else is a 422). A message's time is its instant where known, else its wall-clock time read as UTC."`
	To     time.Time `query:"to" doc:"Only messages sent before this time, written as from; after from."`
	Author string    `query:"author" maxLength:"256" doc:"Only this author's messages, by the name the export wrote (as in participants)."`
	Q      string    `query:"q" maxLength:"200"`
}

type messagesOutput struct {
	Body MessageList
}

// registerMessages registers GET /v1/chats/{id}/messages.
func (r chatsResource) registerMessages(api huma.API) {
	register(api, operation{Operation: huma.Operation{
		OperationID: "list-messages", Method: http.MethodGet, Path: chatsPath + "/{id}/messages", Tags: []string{"chats"},
		Summary: "List or search a chat's messages",
		Description: "Pages through the chat's messages in chat order (the export's), optionally only those between from and to, of one author, or holding the words of q. " +
			"A search's results come in chat order too, each with the marks of what matched, as offsets in UTF-16 code units (JavaScript string indices).",
		Responses: successes(success{http.StatusOK, "One page of messages.", MessageList{Items: []Message{exampleMessage}}}),
	}, Answers: []int{http.StatusNotFound, http.StatusUnprocessableEntity}, Echo: []string{"query.limit"}}, authed(r.messages))
	if op := api.OpenAPI().Paths[chatsPath+"/{id}/messages"].Get; op != nil {
		for _, p := range op.Parameters {
			if p.Name == "q" {
				p.Description = searchDoc
			}
		}
	}
}

func (r chatsResource) messages(ctx context.Context, p principal, in *messagesInput) (*messagesOutput, error) {
	page, err := r.svc.Messages(ctx, p.user.ID, in.ID, chats.MessageQuery{
		Cursor: in.Cursor, Limit: in.Limit, From: in.From, To: in.To, Author: in.Author, Q: in.Q})
	if err != nil {
		return nil, explain(err, core.ErrNotFound, errNoChat)
	}
	out := &messagesOutput{Body: MessageList{Items: make([]Message, 0, len(page.Items)), NextCursor: page.Next}}
	for _, h := range page.Items {
		out.Body.Items = append(out.Body.Items, toMessage(h))
	}
	return out, nil
}

func toMessage(h chats.Hit) Message {
	m := h.Message
	out := Message{Seq: m.Seq, Kind: m.Kind.String(), Author: m.Author, AuthorID: m.AuthorID, LocalTime: wallTime(m.Local),
		At: m.At, Text: m.Text, MediaType: m.MediaType, Edited: m.Edited, ReplyTo: m.ReplyTo, PlatformID: m.PlatformID,
		Marks: utf16Marks(m.Text, h.Marks)}
	if !out.At.IsZero() {
		out.At = out.At.UTC()
	}
	for _, a := range m.Attachments {
		out.Attachments = append(out.Attachments, MessageAttachment{Name: a.Name, MediaType: a.MediaType, Size: a.Size})
	}
	if len(out.Attachments) == 0 && m.Attachment != "" {
		out.Attachments = []MessageAttachment{{Name: m.Attachment, MediaType: m.MediaType}}
	}
	for _, rc := range m.Reactions {
		mr := MessageReaction{Emoji: rc.Emoji, Count: rc.Count}
		for _, by := range rc.By {
			name := by.Name
			if name == "" {
				name = by.ID
			}
			mr.By = append(mr.By, name)
		}
		out.Reactions = append(out.Reactions, mr)
	}
	if g := m.Geo; g != nil {
		out.Location = &MessageLocation{Lat: g.Lat, Lon: g.Lon}
	}
	if e := m.Event; e != nil {
		actor := e.Actor
		if actor == "" {
			actor = e.ActorID
		}
		out.Event = &MessageEvent{Action: e.Action, Actor: actor, Members: e.Members, Title: e.Title,
			DurationS: e.Duration.Seconds(), Outcome: e.Outcome}
	}
	return out
}

// utf16Marks turns spans of byte offsets into text into UTF-16 offsets,
// walking text once. Spans come in order and do not overlap; one that
// does not fall on character boundaries inside text is dropped.
func utf16Marks(text string, spans []core.Span) []TextMark {
	if len(spans) == 0 {
		return nil
	}
	marks := make([]TextMark, 0, len(spans))
	byteAt, unitAt := 0, 0 // a position in text, in bytes and in UTF-16 units
	advance := func(to int) bool {
		for byteAt < to {
			r, size := utf8.DecodeRuneInString(text[byteAt:])
			byteAt += size
			unitAt++
			if r >= 0x10000 {
				unitAt++ // a surrogate pair
			}
		}
		return byteAt == to
	}
	for _, s := range spans {
		if s.Start < byteAt || s.End < s.Start || s.End > len(text) {
			continue
		}
		if !advance(s.Start) {
			continue
		}
		start := unitAt
		if !advance(s.End) {
			continue
		}
		marks = append(marks, TextMark{Start: start, End: unitAt})
	}
	return marks
}

var exampleMessage = Message{
	Seq: 42, Kind: "text", Author: "Ada", LocalTime: "2024-03-01T09:15:00", At: time.Date(2024, 3, 1, 8, 15, 0, 0, time.UTC),
	Text: "Dinner at eight?", Marks: []TextMark{{Start: 0, End: 6}},
}
