package httpapi

// The upload: a multipart/form-data body read as a stream. huma's own
// multipart input reads the whole form before the handler runs (into
// memory and temporary files); this operation declares no body field, so
// huma leaves the body alone, and the handler reads it part by part: the
// file goes straight to the service's spool (hashed and sized on the way),
// the small fields are read into bounded buffers, before or after it.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/chats"
)

// UploadLimits bound a chat upload. Zero fields take the defaults.
type UploadLimits struct {
	// MaxBytes caps the uploaded file (default 256 MiB); the service
	// refuses a larger one too.
	MaxBytes int64
	// ReadTimeout bounds the reading of the whole body (default 10
	// minutes): a slower upload is a 408. It replaces the server's read
	// deadline for this request.
	ReadTimeout time.Duration
	// ImportTimeout bounds the import once the body is read (default 30
	// minutes); the request's work is bounded by the two together, not by
	// Options.RequestTimeout.
	ImportTimeout time.Duration
}

// Defaults of UploadLimits.
const (
	DefaultUploadMaxBytes      = 256 << 20
	DefaultUploadReadTimeout   = 10 * time.Minute
	DefaultUploadImportTimeout = 30 * time.Minute
)

func (l UploadLimits) withDefaults() UploadLimits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultUploadMaxBytes
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = DefaultUploadReadTimeout
	}
	if l.ImportTimeout <= 0 {
		l.ImportTimeout = DefaultUploadImportTimeout
	}
	return l
}

// deadline is the upload's whole work: reading, then importing.
func (l UploadLimits) deadline() time.Duration { return l.ReadTimeout + l.ImportTimeout }

// The bounds of the form around the file.
const (
	// multipartOverhead is what the body may hold beyond the file: part
	// headers, boundaries and the small fields.
	multipartOverhead = 64 << 10
	// maxFieldBytes caps one small field (a title is at most 200
	// characters, 800 bytes of UTF-8).
	maxFieldBytes = 1 << 10
	// maxParts caps the parts of a form: the file and four fields.
	maxParts = 5
)

// uploadFields are the form's small fields, by name.
var uploadFields = []string{"title", "date_order", "time_zone", "telegram_chat"}

// uploadInput takes no body: the handler streams it (see the comment at
// the top of this file). Resolve keeps huma's context, through which the handler
// reaches the request and its connection.
type uploadInput struct {
	hctx huma.Context
}

// Resolve keeps the request's context.
func (in *uploadInput) Resolve(ctx huma.Context) []error {
	in.hctx = ctx
	return nil
}

// uploadForm is what the form held besides the file.
type uploadForm struct {
	fields map[string]string
}

func (f uploadForm) options() chats.ImportOptions {
	return chats.ImportOptions{Title: f.fields["title"], DateOrder: f.fields["date_order"],
		TimeZone: f.fields["time_zone"], TelegramChat: f.fields["telegram_chat"]}
}

// registerUpload registers POST /v1/chats, with its multipart body
// described by hand.
func (r chatsResource) registerUpload(api huma.API) {
	maxMiB := strconv.Itoa(DefaultUploadMaxBytes >> 20)
	register(api, operation{Operation: huma.Operation{
		OperationID: "upload-chat", Method: http.MethodPost, Path: chatsPath, Tags: []string{"chats"},
		Summary: "Upload a chat export",
		Description: "Imports an exported chat: a WhatsApp export (the .txt, or the .zip with its media), a Telegram Desktop JSON export, or a DiscordChatExporter JSON export, " +
			"sent as multipart/form-data with the file in the part named `file` (the other fields may come before or after it; each part at most once, and no other: a repeated or unknown part is a 422). " +
			"The body is read as it arrives, never held whole; the file may be up to the deployment's limit (" + maxMiB + " MiB by default; beyond it a 413), " +
			"and must arrive within the deployment's upload timeout (10 minutes by default; a 408 after it). " +
			"The chat is stored with its messages and statistics all at once, or not at all: a failed or abandoned upload leaves nothing. " +
			"Answers 201 with the chat and its import report; 200 with the chat already made from the same file (nothing is imported again). " +
			"A file that is not an export, or holds no message, is a 422 whose `report` says what the parser found. " +
			"An account may upload a limited number of files an hour (429 with Retry-After beyond) and keep a limited total of bytes in its chats (413 beyond; deleting chats frees them). " +
			"A body that is not multipart/form-data is a 415; a malformed one, or one that ends before its closing boundary (cut short), a 400.",
		DefaultStatus: http.StatusCreated,
		Responses: successes(
			success{http.StatusCreated, "The new chat, with what the import found.", exampleChatDetails},
			success{http.StatusOK, "The chat made before from the same file.", exampleChatDetails},
		),
	}, Answers: []int{http.StatusUnprocessableEntity, http.StatusTooManyRequests}, Deadline: r.limits.deadline()}, authed(r.upload))
	// The form is described once registered: a request body declared
	// before would make huma read and validate the body itself. The
	// handler checks the media type (requireMediaType sees no body here).
	op := api.OpenAPI().Paths[chatsPath].Post
	op.RequestBody = uploadRequestBody()
	// huma documents the output's headers on the default status only.
	op.Responses["200"].Headers = op.Responses["201"].Headers
}

// uploadRequestBody is the form as the document shows it.
func uploadRequestBody() *huma.RequestBody {
	return &huma.RequestBody{
		Required:    true,
		Description: "The export and how to read it, as multipart/form-data.",
		Content: map[string]*huma.MediaType{"multipart/form-data": {
			Schema: uploadFormSchema(),
			// The file is bytes, whatever its type says (OpenAPI 3.1 would write
			// contentMediaType, which the 3.0 downgrade cannot hold).
			Encoding: map[string]*huma.Encoding{"file": {ContentType: "application/octet-stream, application/zip, application/json, text/plain"}},
		}},
	}
}

// uploadFormSchema is the form's schema: the document's, and (a copy of
// it, as finishDocument rewrites the document's patterns) the one
// checkUploadField enforces on the small fields.
func uploadFormSchema() *huma.Schema {
	text := func(doc string, maxLength int, enum ...any) *huma.Schema {
		return &huma.Schema{Type: huma.TypeString, Description: doc, MaxLength: &maxLength, Enum: enum}
	}
	minTitle := 1
	title := text("The chat's title: 1 to 200 characters, not only spaces, with no control or text-direction characters. "+
		"Spaces at either end are removed. Default (without the field): the chat's name in the export, else its format and dates.", core.MaxChatTitleLength)
	title.MinLength = &minTitle
	title.Pattern, title.PatternDescription = labelPattern.goRE, labelPattern.says
	return &huma.Schema{
		Type: huma.TypeObject, Required: []string{"file"}, AdditionalProperties: false,
		Properties: map[string]*huma.Schema{
			"file": {Type: huma.TypeString,
				Description: "The export file: WhatsApp .txt or .zip, Telegram or Discord JSON. Its format is read from its content, never from its name, which is not kept."},
			"title": title,
			"date_order": text("How a WhatsApp export writes dates, which it says nowhere: day, month, year (dmy), month first (mdy) or year first (ymd). "+
				"Default: decided from the dates.", 3, "dmy", "mdy", "ymd"),
			"time_zone": text("The IANA time zone the export's wall-clock times are in (WhatsApp writes no zone), e.g. Europe/Madrid: "+
				"messages then have an instant too, and statistics use that clock. Default: none.", 64),
			"telegram_chat": text("Which chat of a Telegram full-account export to import, by its name or id; required when it holds several.", 256),
		},
	}
}

// uploadFieldSchemas are the form's small fields' schemas as huma
// validates them: the document's rules, enforced.
var uploadFieldSchemas = sync.OnceValue(func() map[string]*huma.Schema {
	s := uploadFormSchema()
	for _, prop := range s.Properties {
		prop.PrecomputeMessages() // compiles the pattern, without which huma skips it
	}
	return s.Properties
})

// checkUploadField refuses a small field of the form that breaks its
// schema (length, pattern, enum): a 422 at body.<name>, never with its
// value.
func checkUploadField(name, value string) error {
	s, ok := uploadFieldSchemas()[name]
	if !ok {
		return nil
	}
	var res huma.ValidateResult
	huma.Validate(nil, s, huma.NewPathBuffer([]byte("body."+name), 0), huma.ModeWriteToServer, value, &res)
	if len(res.Errors) == 0 {
		return nil
	}
	var details []*huma.ErrorDetail
	for _, err := range res.Errors {
		var d huma.ErrorDetailer
		if errors.As(err, &d) {
			details = append(details, &huma.ErrorDetail{Location: "body." + name, Message: safeMessage(d.ErrorDetail().Message)})
		}
	}
	return invalidFormDetails(details)
}

func (r chatsResource) upload(ctx context.Context, p principal, in *uploadInput) (*chatOutput, error) {
	req, w := humago.Unwrap(in.hctx)
	mt, params, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, errNotMultipart
	}
	if params["boundary"] == "" {
		return nil, &malformedMultipartError{errors.New("no boundary")}
	}
	// The upload's own deadlines replace the server's, which are sized for
	// small requests: reading may take ReadTimeout, and the answer comes
	// after the import.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(r.limits.ReadTimeout))               // unsupported only in tests' recorders
	_ = rc.SetWriteDeadline(time.Now().Add(r.limits.deadline() + time.Minute)) // likewise
	body := http.MaxBytesReader(w, req.Body, r.limits.MaxBytes+multipartOverhead)
	form, up, err := r.readForm(ctx, body, params["boundary"])
	if up != nil {
		// The spooled file goes whatever happens; a failure to remove it
		// is nothing the client could act on.
		defer func() { _ = up.Close() }()
	}
	if err != nil {
		return nil, err
	}
	_ = rc.SetReadDeadline(time.Time{})
	d, created, err := r.svc.Import(ctx, p.user.ID, up, form.options())
	if err != nil {
		return nil, err
	}
	if !created {
		return chatAnswer(http.StatusOK, d, true), nil
	}
	return chatAnswer(http.StatusCreated, d, true), nil
}

// readForm reads the form to its end: the file into the spool, the fields
// into memory. It returns the spool whenever one was made, even with an
// error, for the caller to close.
func (r chatsResource) readForm(ctx context.Context, body io.Reader, boundary string) (uploadForm, *chats.Upload, error) {
	form := uploadForm{fields: map[string]string{}}
	watch := newCloseWatcher(body, boundary)
	mr := multipart.NewReader(watch, boundary)
	var up *chats.Upload
	for n := 0; ; n++ {
		part, err := mr.NextRawPart()
		if err == io.EOF { // the end, or a body cut inside a part's header
			if !watch.seen {
				return form, up, &malformedMultipartError{errors.New("the body ends before its closing boundary")}
			}
			break
		}
		if err != nil {
			return form, up, readError(err)
		}
		if n == maxParts {
			return form, up, invalidForm("body", "holds more parts than file and the "+strconv.Itoa(len(uploadFields))+" fields")
		}
		name := part.FormName()
		switch {
		case name == "file":
			if up != nil {
				return form, up, invalidForm("body.file", "is sent more than once")
			}
			up, err = r.svc.Spool(ctx, part)
			if err != nil {
				return form, nil, readError(err)
			}
		case slices.Contains(uploadFields, name):
			if _, seen := form.fields[name]; seen {
				return form, up, invalidForm("body."+name, "is sent more than once")
			}
			v, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				return form, up, readError(err)
			}
			if len(v) > maxFieldBytes {
				return form, up, invalidForm("body."+name, "is longer than "+strconv.Itoa(maxFieldBytes)+" bytes")
			}
			if err := checkUploadField(name, string(v)); err != nil {
				return form, up, err
			}
			form.fields[name] = string(v)
		default:
			return form, up, invalidForm(safeLocation("body."+name), "is not a field of this form (file, "+strings.Join(uploadFields, ", ")+")")
		}
	}
	if up == nil {
		return form, nil, invalidForm("body.file", "is missing: send the export in the part named file")
	}
	return form, up, nil
}

// closeWatcher passes a multipart body through and notes whether its
// close delimiter (CRLF "--" boundary "--"; LF alone too, which
// mime/multipart also reads) went by. mime/multipart ends
// with a bare io.EOF both at the close delimiter and when the body is cut
// inside a part's header, so only this tells a whole form from one cut
// short, whose later fields would be lost without a word. The boundary
// cannot occur inside a part (RFC 2046), so the delimiter marks the end.
type closeWatcher struct {
	r     io.Reader
	delim []byte
	tail  []byte // the stream's last len(delim)-1 bytes, for a delimiter split across reads
	seen  bool
}

func newCloseWatcher(r io.Reader, boundary string) *closeWatcher {
	// The tail starts as a line end, so a body that is only
	// "--boundary--" (a form with no parts) ends properly too.
	return &closeWatcher{r: r, delim: []byte("\n--" + boundary + "--"), tail: []byte("\n")}
}

func (w *closeWatcher) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if w.seen || n == 0 {
		return n, err
	}
	b, k := p[:n], len(w.delim)-1
	// joint is the tail and the read's first bytes: where a delimiter
	// split across reads shows. Its bytes are the tail's own storage, so
	// the new tail is copied within it (append moves overlapping bytes
	// safely).
	joint := append(w.tail, b[:min(len(b), k)]...)
	w.seen = bytes.Contains(joint, w.delim) || bytes.Contains(b, w.delim)
	last := b // the stream's last k bytes are b's, or, after a short read, joint's
	if len(b) < k {
		last = joint
	}
	w.tail = append(w.tail[:0], last[max(0, len(last)-k):]...)
	return n, err
}

// readError keeps an error reading the body that mapError knows (too
// large, too slow, a broken connection, the service's own) and calls
// anything else from mime/multipart a malformed body.
func readError(err error) error {
	var (
		tooBig *http.MaxBytesError
		read   *bodyReadError
	)
	switch {
	case errors.As(err, &tooBig), errors.As(err, &read), errors.Is(err, chats.ErrTooLarge),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF), isMultipartSyntax(err), errors.As(err, new(textproto.ProtocolError)):
		// textproto.ProtocolError: a part's header that does not parse
		// (a body cut inside one, say).
		return &malformedMultipartError{err}
	}
	return err
}

// isMultipartSyntax reports whether mime/multipart refused the body's
// syntax (its errors say "multipart: …").
func isMultipartSyntax(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.HasPrefix(e.Error(), "multipart:") {
			return true
		}
	}
	return false
}

// malformedMultipartError is a body that is not multipart/form-data as
// RFC 7578 writes it: a 400.
type malformedMultipartError struct{ err error }

func (e *malformedMultipartError) Error() string { return "malformed multipart body: " + e.err.Error() }
func (e *malformedMultipartError) Unwrap() error { return e.err }

// errNotMultipart is an upload whose body is not multipart/form-data; the
// media-type check lets a body without Content-Length or with no length
// through to here.
var errNotMultipart = errors.New("the upload is not multipart/form-data")

// invalidForm is a 422 about one part of the form, at location (never
// with the part's value).
func invalidForm(location, message string) error {
	return invalidFormDetails([]*huma.ErrorDetail{{Location: location, Message: message}})
}

// invalidFormDetails is a 422 about parts of the form.
func invalidFormDetails(details []*huma.ErrorDetail) error {
	return &Problem{Type: ProblemTypeBase + kindValidation.slug, Title: kindValidation.title, Status: kindValidation.status,
		Detail: "the form is not valid; errors says where", Errors: details}
}

// uploadLimitProblem is the mapping of an upload refused by a per-user
// limit (errmap.go).
func uploadLimitProblem(e *chats.UploadLimitError) mapped {
	if e.Bytes {
		return mapped{kind: kindTooLarge, detail: "your chats hold as many bytes as an account may keep; delete some to upload more"}
	}
	secs := int(e.RetryAfter.Round(time.Second) / time.Second)
	return mapped{kind: kindRateLimited, detail: "you uploaded as many files as an hour allows; retry after the delay in Retry-After",
		headers: http.Header{"Retry-After": {retryAfter(secs)}}}
}

// importProblem is the mapping of a file that is no export, or holds no
// message: its reason, at body.file, and the report without its names.
func importProblem(e *chats.ImportError) mapped {
	return mapped{kind: kindValidation, detail: "the file is not a chat export this service can import; report says what was found",
		errors: []*huma.ErrorDetail{{Location: "body.file", Message: e.Reason}}, report: anonymousReport(e.Report)}
}

// isTimeout reports whether err is a read past the connection's deadline.
func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }
