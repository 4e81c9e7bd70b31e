package httpapi

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chatparse"
	"github.com/chatlens/chatlens/core/chats"
	"github.com/chatlens/chatlens/core/chatstats"
)

// Chats is what the API needs of the chats module (*chats.Service).
type Chats interface {
	Spool(ctx context.Context, r io.Reader) (*chats.Upload, error)
	Import(ctx context.Context, user core.UserID, up *chats.Upload, opts chats.ImportOptions) (chats.Details, bool, error)
	List(ctx context.Context, user core.UserID, cursor string, limit int) (core.Page[core.Chat], error)
	Get(ctx context.Context, user core.UserID, id string) (chats.Details, error)
	Rename(ctx context.Context, user core.UserID, id string, title string, ifVersion int64) (chats.Details, error)
	Delete(ctx context.Context, user core.UserID, id string) error
	Restore(ctx context.Context, user core.UserID, id string) (chats.Details, error)
	Messages(ctx context.Context, user core.UserID, id string, q chats.MessageQuery) (core.Page[chats.Hit], error)
	Statistics(ctx context.Context, user core.UserID, id string) (chats.Details, chatstats.Result, error)
}

// Chat is an imported chat as its owner sees it in a listing.
type Chat struct {
	ID        string    `json:"id" format:"uuid" doc:"The chat's id." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d50"`
	Title     string    `json:"title" doc:"The chat's title: the uploader's, else the chat's name in the export, else its format and dates." example:"Family"`
	Format    string    `json:"format" enum:"whatsapp,whatsapp-zip,telegram,discord" doc:"The export's format."`
	TimeZone  string    `json:"time_zone,omitempty" doc:"The IANA time zone the import read the export's wall-clock times in; absent when none was given." example:"Europe/Madrid"`
	Messages  int64     `json:"messages" doc:"Messages stored, system notices included." example:"1200"`
	Bytes     int64     `json:"bytes" doc:"The uploaded file's size in bytes; it counts towards the account's stored bytes." example:"84211"`
	SHA256    string    `json:"sha256" pattern:"^[0-9a-f]{64}$" doc:"The hex SHA-256 of the uploaded file: uploading the same file again returns this chat." example:"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"`
	Version   int64     `json:"version" doc:"Goes up with every change of the chat; the ETag header carries it, quoted." example:"1"`
	CreatedAt time.Time `json:"created_at" doc:"When the chat was uploaded."`
	UpdatedAt time.Time `json:"updated_at" doc:"When it last changed."`
}

// ChatDetails is one chat with what its import found.
type ChatDetails struct {
	Chat
	Participants          []string     `json:"participants" nullable:"false" doc:"The distinct authors of non-system messages, in order of first appearance (the report lists at most 10,000)."`
	ParticipantsTruncated bool         `json:"participants_truncated,omitempty" doc:"true when there were more participants than listed."`
	Kinds                 KindCounts   `json:"kinds"`
	FirstMessage          string       `json:"first_message,omitempty" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?$" doc:"The first message's local time, as the export wrote it (ISO 8601 without an offset: the export's own clock)." example:"2024-03-01T09:15:00"`
	LastMessage           string       `json:"last_message,omitempty" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?$" doc:"The last message's local time, as the export wrote it." example:"2024-06-30T22:41:07"`
	Report                ImportReport `json:"report"`
}

// KindCounts counts messages by kind.
type KindCounts struct {
	Text     int `json:"text" doc:"Words a participant wrote." example:"1100"`
	Media    int `json:"media" doc:"Photos, videos, audio, documents, contact cards, GIFs." example:"40"`
	System   int `json:"system" doc:"The platform's notices (joins, leaves, group changes)." example:"12"`
	Deleted  int `json:"deleted" doc:"Messages their author deleted." example:"3"`
	Call     int `json:"call" doc:"Voice and video calls." example:"2"`
	Location int `json:"location" doc:"Shared locations." example:"1"`
	Poll     int `json:"poll" doc:"Polls." example:"0"`
	Sticker  int `json:"sticker" doc:"Stickers." example:"42"`
}

// ImportReport says what the parser found in an upload, so that a person
// can check an import without reading the export.
type ImportReport struct {
	Format             string     `json:"format,omitempty" enum:"whatsapp,whatsapp-zip,telegram,discord" doc:"The format detected; absent when none was recognised (in a 422)."`
	ParserVersion      int        `json:"parser_version" doc:"The version of the parser that read the export; it goes up whenever some export would parse differently." example:"2"`
	DateOrder          string     `json:"date_order,omitempty" enum:"dmy,mdy,ymd" doc:"How WhatsApp dates were read (day, month, year); absent for other formats."`
	DateOrderReason    string     `json:"date_order_reason,omitempty" doc:"Why that order: chosen by the uploader, or what in the dates decided it." example:"a first field above 12"`
	ChatName           string     `json:"chat_name,omitempty" doc:"The chat's name in the export, where it has one. Never in a problem." example:"Family"`
	Messages           int        `json:"messages" doc:"Every message read, system notices included." example:"1200"`
	SystemMessages     int        `json:"system_messages" example:"12"`
	MediaMessages      int        `json:"media_messages" doc:"Media and stickers." example:"82"`
	Kinds              KindCounts `json:"kinds"`
	Participants       []string   `json:"participants,omitempty" doc:"The distinct authors, in order of first appearance. Never in a problem."`
	UnparsedLines      int        `json:"unparsed_lines" doc:"WhatsApp lines that belong to no message (before the first message's header)." example:"0"`
	FirstUnparsedLines []int      `json:"first_unparsed_lines,omitempty" doc:"The first few of them, by line number (1-based)."`
	SkippedEntries     int        `json:"skipped_entries" doc:"JSON entries of a shape the parser does not know, skipped." example:"0"`
	Duplicates         int        `json:"duplicates" doc:"Discord messages whose id was seen before, imported once." example:"0"`
	ClampedTimes       int        `json:"clamped_times" doc:"Impossible times or dates brought into range." example:"0"`
	TruncatedLines     int        `json:"truncated_lines" doc:"Lines cut at the parser's line limit." example:"0"`
	TruncatedMessages  int        `json:"truncated_messages" doc:"Messages cut at the parser's message limit." example:"0"`
	RepairedUTF8       int        `json:"repaired_utf8" doc:"Messages holding bytes that are not UTF-8, shown as U+FFFD." example:"0"`
	RepairedNUL        int        `json:"repaired_nul" doc:"Messages holding U+0000, shown as U+FFFD." example:"0"`
	AttachmentCount    int        `json:"attachment_count" doc:"Media files in a zip export." example:"0"`
	Warnings           []string   `json:"warnings" nullable:"false" doc:"What a person should know about the export (a WhatsApp export of exactly 40,000 messages was probably cut short, say)."`
}

// ChatList is one page of the caller's chats, newest first.
type ChatList struct {
	Items      []Chat `json:"items" nullable:"false"`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page."`
}

// RenameChatRequest gives a chat a new title.
type RenameChatRequest struct {
	Title string `json:"title" minLength:"1" maxLength:"200" doc:"1 to 200 characters, not only spaces, with no control or text-direction characters (U+0000–U+001F, U+007F–U+009F, U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069). Spaces at either end are removed." example:"Family (2024)"`
}

// TransformSchema states the rule of a title as a pattern.
func (RenameChatRequest) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	withPattern(s, "title", labelPattern)
	return s
}

type chatIDInput struct {
	ID string `path:"id" format:"uuid" pattern:"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" patternDescription:"a UUID in its hyphenated form" doc:"The chat's id, as listed (either letter case)." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d50"`
}

// renameChatInput names its fields: huma skips an embedded struct of an
// unexported type (chatIDInput would drop out of the document).
type renameChatInput struct {
	ID      string `path:"id" format:"uuid" pattern:"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" patternDescription:"a UUID in its hyphenated form" doc:"The chat's id, as listed (either letter case)." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d50"`
	IfMatch string `header:"If-Match" maxLength:"100" doc:"Required: the ETag of the chat as last read (GET /v1/chats/{id}), e.g. \"3\" with its quotes. Without it the rename is a 428; when the chat changed since (another version), a 412 and nothing changes. * matches any version." example:"\"1\""`
	Body    RenameChatRequest
}

// chatOutput is one chat with its version as an ETag.
type chatOutput struct {
	Status   int
	ETag     string `header:"ETag" doc:"The chat's version, quoted: send it as If-Match to rename the chat."`
	Location string `header:"Location" doc:"Where the chat is: /v1/chats/{id}."`
	Body     ChatDetails
}

type listChatsOutput struct {
	Body ChatList
}

// chatsResource serves a user's chats.
type chatsResource struct {
	svc    Chats
	limits UploadLimits
}

// chatsPath is where a user's chats are.
const chatsPath = "/v1/chats"

// registerChats registers the operations on /v1/chats.
func registerChats(api huma.API, svc Chats, limits UploadLimits) {
	r := chatsResource{svc: svc, limits: limits.withDefaults()}
	r.registerUpload(api)
	register(api, operation{Operation: huma.Operation{
		OperationID: "list-chats", Method: http.MethodGet, Path: chatsPath, Tags: []string{"chats"},
		Summary: "List your chats", Description: "Pages through the caller's chats, newest first. Deleted chats are not listed.",
		Responses: successes(success{http.StatusOK, "One page of the caller's chats.", ChatList{Items: []Chat{exampleChat}}}),
	}, Answers: []int{http.StatusNotFound, http.StatusUnprocessableEntity}, Echo: []string{"query.limit"}}, authed(r.list))
	register(api, operation{Operation: huma.Operation{
		OperationID: "get-chat", Method: http.MethodGet, Path: chatsPath + "/{id}", Tags: []string{"chats"},
		Summary: "Get one of your chats",
		Description: "The chat with its participants, its messages counted by kind, the times of its first and last message and the import's report. " +
			"The ETag header is its version, to send as If-Match when renaming it. Another user's chat, a deleted one and an unknown one are all a 404.",
		Responses: successes(success{http.StatusOK, "The chat.", exampleChatDetails}),
	}, Answers: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, authed(r.get))
	register(api, operation{Operation: huma.Operation{
		OperationID: "rename-chat", Method: http.MethodPatch, Path: chatsPath + "/{id}", Tags: []string{"chats"},
		Summary: "Rename a chat",
		Description: "Sets the chat's title. If-Match is required: the ETag of the chat as last read (428 without it); " +
			"a chat that changed since is a 412 and keeps its title. Answers the renamed chat with its new ETag.",
		Responses: successes(success{http.StatusOK, "The renamed chat.", exampleRenamed}),
	}, Answers: []int{http.StatusNotFound, http.StatusPreconditionFailed, http.StatusPreconditionRequired}}, authed(r.rename))
	register(api, operation{Operation: huma.Operation{
		OperationID: "delete-chat", Method: http.MethodDelete, Path: chatsPath + "/{id}", Tags: []string{"chats"},
		Summary: "Delete a chat",
		Description: "Deletes the chat with its messages and statistics at once: it is no longer listed, read or searched, and its bytes no longer count. " +
			"It can be restored for the deployment's retention period (30 days by default), then it is removed for good.",
		DefaultStatus: http.StatusNoContent,
		Responses:     successes(success{http.StatusNoContent, "Deleted.", nil}),
	}, Answers: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, authed(r.delete))
	register(api, operation{Operation: huma.Operation{
		OperationID: "restore-chat", Method: http.MethodPost, Path: chatsPath + "/{id}/restore", Tags: []string{"chats"},
		Summary: "Restore a deleted chat",
		Description: "Brings back a chat deleted within the retention period, with exactly what was deleted with it. " +
			"Restoring a live chat returns it unchanged. A 409 when the same file was uploaded again since (delete that chat first); a 404 once the chat is removed for good.",
		Responses: successes(success{http.StatusOK, "The restored chat.", exampleChatDetails}),
	}, Answers: []int{http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge}}, authed(r.restore))
	// Only an upload answers with a Location (the chat it made or found).
	for _, op := range []*huma.Operation{api.OpenAPI().Paths[chatsPath+"/{id}"].Get, api.OpenAPI().Paths[chatsPath+"/{id}"].Patch,
		api.OpenAPI().Paths[chatsPath+"/{id}/restore"].Post} {
		delete(op.Responses["200"].Headers, "Location")
	}
	r.registerMessages(api)
	r.registerStatistics(api)
}

func (r chatsResource) list(ctx context.Context, p principal, in *pageInput) (*listChatsOutput, error) {
	page, err := r.svc.List(ctx, p.user.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &listChatsOutput{Body: ChatList{Items: make([]Chat, 0, len(page.Items)), NextCursor: page.Next}}
	for _, c := range page.Items {
		out.Body.Items = append(out.Body.Items, toChat(c))
	}
	return out, nil
}

// errNoChat is the detail of every 404 of a chat.
const errNoChat = "you have no chat with that id"

func (r chatsResource) get(ctx context.Context, p principal, in *chatIDInput) (*chatOutput, error) {
	d, err := r.svc.Get(ctx, p.user.ID, in.ID)
	if err != nil {
		return nil, explain(err, core.ErrNotFound, errNoChat)
	}
	return chatAnswer(http.StatusOK, d, false), nil
}

func (r chatsResource) rename(ctx context.Context, p principal, in *renameChatInput) (*chatOutput, error) {
	if strings.TrimSpace(in.IfMatch) == "" {
		return nil, errPreconditionRequired
	}
	version, ok := parseIfMatch(in.IfMatch)
	if !ok {
		return nil, chats.ErrVersionMismatch // a tag of no version of ours matches none
	}
	if version == anyVersion {
		d, err := r.svc.Get(ctx, p.user.ID, in.ID)
		if err != nil {
			return nil, explain(err, core.ErrNotFound, errNoChat)
		}
		version = d.Chat.Version
	}
	d, err := r.svc.Rename(ctx, p.user.ID, in.ID, in.Body.Title, version)
	if err != nil {
		return nil, explain(err, core.ErrNotFound, errNoChat)
	}
	return chatAnswer(http.StatusOK, d, false), nil
}

func (r chatsResource) delete(ctx context.Context, p principal, in *chatIDInput) (*noContent, error) {
	err := r.svc.Delete(ctx, p.user.ID, in.ID)
	return nil, explain(err, core.ErrNotFound, errNoChat)
}

func (r chatsResource) restore(ctx context.Context, p principal, in *chatIDInput) (*chatOutput, error) {
	d, err := r.svc.Restore(ctx, p.user.ID, in.ID)
	if err != nil {
		err = explain(err, core.ErrNotFound, "you have no chat with that id that can be restored")
		return nil, explain(err, core.ErrConflict, "the same file was uploaded again since this chat was deleted; delete that chat to restore this one")
	}
	return chatAnswer(http.StatusOK, d, false), nil
}

// chatAnswer is a chat with its ETag (and, for an upload, its Location).
func chatAnswer(status int, d chats.Details, located bool) *chatOutput {
	out := &chatOutput{Status: status, ETag: etag(d.Chat.Version), Body: toChatDetails(d)}
	if located {
		out.Location = chatsPath + "/" + string(d.Chat.ID)
	}
	return out
}

// etag is a chat version as a strong entity tag.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// anyVersion is what If-Match: * asks for.
const anyVersion = -1

// parseIfMatch reads an If-Match naming one version: "3" (quoted, as the
// ETag was sent) or *. A weak tag (W/"3") never matches: If-Match compares
// strongly (RFC 9110, 13.1.1).
func parseIfMatch(h string) (int64, bool) {
	h = strings.TrimSpace(h)
	if h == "*" {
		return anyVersion, true
	}
	inner, ok := strings.CutPrefix(h, `"`)
	if !ok {
		return 0, false
	}
	inner, ok = strings.CutSuffix(inner, `"`)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(inner, 10, 64)
	if err != nil || v < 0 || strconv.FormatInt(v, 10) != inner {
		return 0, false
	}
	return v, true
}

func toChat(c core.Chat) Chat {
	return Chat{ID: string(c.ID), Title: c.Title, Format: c.Format, TimeZone: c.TimeZone, Messages: c.Messages,
		Bytes: c.Bytes, SHA256: c.SHA256, Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

func toChatDetails(d chats.Details) ChatDetails {
	rep := toImportReport(d.Report)
	out := ChatDetails{Chat: toChat(d.Chat), Participants: rep.Participants, ParticipantsTruncated: d.Report.ParticipantsTruncated,
		Kinds: rep.Kinds, FirstMessage: wallTime(d.Report.First), LastMessage: wallTime(d.Report.Last), Report: rep}
	if out.Participants == nil {
		out.Participants = []string{}
	}
	if out.Format == "" {
		out.Format = rep.Format
	}
	return out
}

func toImportReport(r chatparse.Report) ImportReport {
	out := ImportReport{Format: r.Format.String(), ParserVersion: r.ParserVersion, ChatName: r.Chat,
		Messages: r.Messages, SystemMessages: r.SystemMessages, MediaMessages: r.MediaMessages,
		Kinds: toKindCounts(r.Kinds), Participants: r.Participants,
		UnparsedLines: r.UnparsedLines, FirstUnparsedLines: r.FirstUnparsedLines,
		SkippedEntries: r.SkippedEntries, Duplicates: r.Duplicates, ClampedTimes: r.ClampedTimes,
		TruncatedLines: r.TruncatedLines, TruncatedMessages: r.TruncatedMessages,
		RepairedUTF8: r.RepairedUTF8, RepairedNUL: r.RepairedNUL, AttachmentCount: r.AttachmentCount,
		Warnings: r.Warnings}
	if r.DateOrder != chatparse.DateOrderAuto {
		out.DateOrder, out.DateOrderReason = strings.ToLower(r.DateOrder.String()), r.DateOrderReason
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	return out
}

// anonymousReport is a report fit for a problem: counts and the parser's
// own words, without the names the export holds (the chat's, its
// participants'), which are the uploader's content.
func anonymousReport(r chatparse.Report) *ImportReport {
	out := toImportReport(r)
	out.ChatName, out.Participants = "", nil
	if r.Format == chatparse.FormatAuto {
		out.Format = "" // no format was recognised
	}
	return &out
}

func toKindCounts(kinds map[core.MessageKind]int) KindCounts {
	return KindCounts{Text: kinds[core.MessageText], Media: kinds[core.MessageMedia], System: kinds[core.MessageSystem],
		Deleted: kinds[core.MessageDeleted], Call: kinds[core.MessageCall], Location: kinds[core.MessageLocation],
		Poll: kinds[core.MessagePoll], Sticker: kinds[core.MessageSticker]}
}

// wallTimeLayout writes a wall-clock time without an offset: the export's
// own clock, which names no zone.
const wallTimeLayout = "2006-01-02T15:04:05.999999999"

// wallTime is t as a wall-clock time, or "" for the zero time.
func wallTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(wallTimeLayout)
}

// Examples of the document: an uploaded WhatsApp chat, and the same renamed.
var (
	exampleChat = Chat{
		ID: "0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d50", Title: "Family", Format: "whatsapp", TimeZone: "Europe/Madrid",
		Messages: 1200, Bytes: 84211, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Version: 1, CreatedAt: exampleTime.Add(4 * time.Hour), UpdatedAt: exampleTime.Add(4 * time.Hour),
	}
	exampleKinds  = KindCounts{Text: 1100, Media: 40, System: 12, Deleted: 3, Call: 2, Location: 1, Sticker: 42}
	exampleReport = ImportReport{
		Format: "whatsapp", ParserVersion: chatparse.Version, DateOrder: "dmy", DateOrderReason: "a first field above 12",
		Messages: 1200, SystemMessages: 12, MediaMessages: 82, Kinds: exampleKinds, Participants: []string{"Ada", "Grace"},
		Warnings: []string{},
	}
	exampleChatDetails = ChatDetails{
		Chat: exampleChat, Participants: []string{"Ada", "Grace"}, Kinds: exampleKinds,
		FirstMessage: "2024-03-01T09:15:00", LastMessage: "2024-06-30T22:41:07", Report: exampleReport,
	}
	exampleRenamed = func() ChatDetails {
		d := exampleChatDetails
		d.Title, d.Version, d.UpdatedAt = "Family (2024)", 2, exampleTime.Add(5*time.Hour)
		return d
	}()
)
