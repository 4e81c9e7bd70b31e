package httpapi

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"
)

// What a problem may repeat of the request: a client's input is its
// content, so values and unknown property names are dropped unless known
// to be harmless.

// safeValue returns v when it may be echoed at location, else nil: only
// where the operation declares it (operation.Echo: numbers the client
// chose, never text a person wrote), and even there only a JSON number (a
// client may send an object or a string where the number belongs). Every
// other value is dropped (huma would echo emails, names and whole bodies).
func safeValue(op *huma.Operation, location string, v any) any {
	if !echoes(op, location) {
		return nil
	}
	switch n := v.(type) {
	case float64:
		if math.IsInf(n, 0) || math.IsNaN(n) {
			return nil // a number beyond float64's range, which JSON cannot write
		}
		return v
	case float32, int, int64, int32, uint, uint64, uint32, json.Number:
		return v
	}
	return nil
}

// safeName is a property name that may appear in a location: shaped like
// this API's own field names. A client's unknown property names are its
// content too (an email used as a key, say).
var safeName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,63}$`)

// safeLocation keeps huma's location ("body.display_name", "query.limit")
// up to the first segment that is not a safe name: an unexpected property
// "Ada@example.com" is reported at "body". A parameter's name is the
// operation's, never the client's (huma checks only declared parameters),
// so "header.Idempotency-Key" stays whole.
func safeLocation(location string) string {
	segments := strings.Split(location, ".")
	from := 1
	switch segments[0] {
	case "path", "query", "header", "cookie":
		from = 2
	}
	for i := from; i < len(segments); i++ {
		if !safeName.MatchString(segments[i]) {
			return strings.Join(segments[:i], ".")
		}
	}
	return location
}

// unsupportedMediaType is the whole text of a 415: huma's own names the
// Content-Type the client sent.
const unsupportedMediaType = "send the body as application/json"

// humaDetail rewrites huma's own messages where they would mislead or echo.
func humaDetail(status int, msg string) string {
	switch status {
	case http.StatusBadRequest:
		if msg == "validation failed" {
			return "the request body is not valid JSON"
		}
	case http.StatusRequestEntityTooLarge:
		return "the request body is larger than this operation accepts"
	case http.StatusUnsupportedMediaType:
		return unsupportedMediaType
	case http.StatusUnprocessableEntity:
		if msg == "validation failed" {
			return "the request is not valid; errors says where"
		}
	}
	return msg
}

// safeDetails keeps where each error is and what is wrong, and drops the
// offending value unless its location is known to be harmless. Messages of
// a body that does not parse are replaced: they quote the body.
func safeDetails(op *huma.Operation, status int, errs []error) []*huma.ErrorDetail {
	var out []*huma.ErrorDetail
	for _, err := range errs {
		var d huma.ErrorDetailer
		if !errors.As(err, &d) {
			continue
		}
		src := d.ErrorDetail()
		det := &huma.ErrorDetail{Location: safeLocation(src.Location), Message: src.Message}
		if det.Location == src.Location {
			det.Value = safeValue(op, src.Location, src.Value)
		}
		switch {
		case status == http.StatusBadRequest && src.Location == "body":
			// decodeStrict's messages say what is wrong without quoting
			// the body; anything else is replaced.
			if !decodeMessages[det.Message] {
				det.Message = msgNotJSON
			}
		case status == http.StatusUnsupportedMediaType:
			det.Message = unsupportedMediaType
		case src.Location == "body" && decodeLocated(src.Message) != "":
			// huma reports decodeStrict's 422s at "body": the message
			// names the member, which becomes the location.
			det.Location = decodeLocated(src.Message)
			det.Message = strings.TrimSuffix(src.Message, " ("+det.Location+")")
		default:
			det.Message = safeMessage(det.Message)
		}
		out = append(out, det)
	}
	return out
}

// huma's messages that end in an error's own text, which may name Go types
// or quote input: the text after the prefix is dropped.
var unsafeMessagePrefixes = []string{
	"invalid value: ",              // a parameter's encoding.TextUnmarshaler
	"cannot read multipart form: ", // mime/multipart's reading error
}

// formatMessages say in this API's words what huma's messages about a
// value of the wrong shape say in its own: every format its validator
// checks (validation.MsgExpected…, several of which append a library's
// error text after ": %v"), and the parameter parsers' "invalid integer"
// and the like. A message with a %v verb is matched by its text before the
// verb, so whatever the library appends is dropped with it.
var formatMessages = []struct{ huma, ours string }{
	{validation.MsgExpectedRFC3339DateTime, "must be an RFC 3339 date-time, such as 2024-03-01T09:15:00Z"},
	{validation.MsgExpectedRFC1123DateTime, "must be an HTTP date, such as Fri, 01 Mar 2024 09:15:00 GMT"},
	{validation.MsgExpectedRFC3339Date, "must be a date, such as 2024-03-01"},
	{validation.MsgExpectedRFC3339Time, "must be a time of day, such as 09:15:00"},
	{validation.MsgExpectedDuration, "must be a duration, such as 1h30m"},
	{validation.MsgExpectedRFC5322Email, "must be an email address"},
	{validation.MsgExpectedRFC5890Hostname, "must be a host name"},
	{validation.MsgExpectedRFC2673IPv4, "must be an IPv4 address"},
	{validation.MsgExpectedRFC2373IPv6, "must be an IPv6 address"},
	{validation.MsgExpectedRFCIPAddr, "must be an IP address"},
	{validation.MsgExpectedRFC3986URI, "must be a URI"},
	{validation.MsgExpectedRFC6570URITemplate, "must be a URI template"},
	{validation.MsgExpectedRFC4122UUID, "must be a UUID"},
	{validation.MsgExpectedRFC6901JSONPointer, "must be a JSON pointer"},
	{validation.MsgExpectedRFC6901RelativeJSONPointer, "must be a relative JSON pointer"},
	{validation.MsgExpectedRegexp, "must be a regular expression"},
	{validation.MsgExpectedBase64String, "must be base64-encoded"},
	// huma's parameter parsers (a path, query or header value).
	{"invalid integer", "must be an integer"},
	{"invalid float", "must be a number"},
	{"invalid floating value", "must be a number"},
	{"invalid boolean", "must be true or false"},
	{"invalid url.URL value", "must be a URL"},
}

// timeParamPrefix starts huma's message about a time parameter that does
// not parse, which ends in the Go layout it was parsed with
// (timeFormat:"…", time.RFC3339Nano by default).
const timeParamPrefix = "invalid date/time for format "

// timeLayouts say what each Go layout a time parameter may have means.
var timeLayouts = map[string]string{
	time.RFC3339Nano: "must be an RFC 3339 date-time, such as 2024-03-01T09:15:00Z",
	time.RFC3339:     "must be an RFC 3339 date-time, such as 2024-03-01T09:15:00Z",
	time.DateOnly:    "must be a date, such as 2024-03-01",
	http.TimeFormat:  "must be an HTTP date, such as Fri, 01 Mar 2024 09:15:00 GMT",
}

// safeMessage rewrites huma's messages that would carry Go type names, Go
// layouts or an error's own text; others are huma's fixed wording, or this
// API's.
func safeMessage(msg string) string {
	for _, m := range formatMessages {
		if prefix, _, verb := strings.Cut(m.huma, "%v"); verb && strings.HasPrefix(msg, prefix) || msg == m.huma {
			return m.ours
		}
	}
	if layout, ok := strings.CutPrefix(msg, timeParamPrefix); ok {
		if ours, known := timeLayouts[layout]; known {
			return ours
		}
		return "must be a date-time"
	}
	for _, prefix := range unsafeMessagePrefixes {
		if strings.HasPrefix(msg, prefix) {
			return strings.TrimSuffix(prefix, ": ")
		}
	}
	return msg
}
