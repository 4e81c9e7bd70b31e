package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/danielgtaylor/huma/v2"
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
	switch v.(type) {
	case float64, float32, int, int64, int32, uint, uint64, uint32, json.Number:
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
// "Ada@example.com" is reported at "body".
func safeLocation(location string) string {
	segments := strings.Split(location, ".")
	for i, seg := range segments[1:] {
		if !safeName.MatchString(seg) {
			return strings.Join(segments[:i+1], ".")
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

// safeMessage rewrites huma's messages that would carry Go type names or
// an error's own text; others are huma's fixed wording, or this API's.
func safeMessage(msg string) string {
	for _, prefix := range unsafeMessagePrefixes {
		if strings.HasPrefix(msg, prefix) {
			return strings.TrimSuffix(prefix, ": ")
		}
	}
	if msg == "invalid url.URL value" {
		return "invalid URL"
	}
	return msg
}
