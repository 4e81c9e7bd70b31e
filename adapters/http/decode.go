package httpapi

// Strict input: how request bodies are decoded, and which media types an
// operation's body may come as. A body the JSON decoder refuses is a 400, a
// body the schema refuses is a 422, a body of a media type the operation
// does not declare is a 415; no message names a Go type or quotes the body.

import (
	"bytes"
	"errors"
	"io"
	"math/big"
	"mime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// strictFormats are the API's formats: responses are written as huma
// writes them, request bodies are read by decodeStrict. huma unmarshals a
// body twice, first into an any to validate it against the schema (an
// error there is a 400), then into the operation's input struct (an error
// there is a 422); both go through decodeStrict, so both are strict.
//
// It also makes huma's schema validation match member names exactly
// (huma.ValidateStrictCasing, a package variable, set once): by default
// huma accepts "Amount" for "amount" and lets a case-variant override the
// documented member.
func strictFormats() map[string]huma.Format {
	strictCasing.Do(func() { huma.ValidateStrictCasing = true })
	format := huma.Format{Marshal: huma.DefaultJSONFormat.Marshal, Unmarshal: decodeStrict}
	// "json" serves structured suffixes (application/merge-patch+json);
	// which media types reach a format at all is decided per operation by
	// requireMediaType.
	return map[string]huma.Format{"application/json": format, "json": format}
}

var strictCasing sync.Once

// decodeOptions are encoding/json/v2's semantics, spelled out: duplicate
// member names, invalid UTF-8 (lone surrogate escapes included) and
// anything after the value are errors, member names match exactly, and a
// member the input struct lacks is an error (the schema refuses those first).
// An integer field takes any number whose value is an integer, as JSON
// Schema's "integer" does: 1.0 and 1e2 too (integerUnmarshalers).
var decodeOptions = json.JoinOptions(
	jsontext.AllowDuplicateNames(false),
	jsontext.AllowInvalidUTF8(false),
	json.MatchCaseInsensitiveNames(false),
	json.RejectUnknownMembers(true),
	json.WithUnmarshalers(json.JoinUnmarshalers(integerUnmarshalers, anyNumber)),
)

// anyNumber decodes a number into an any (huma's first pass, which
// validates the body against the schema) as a float64, and one beyond
// float64's range (1e400) as an infinity of its sign rather than failing:
// the body is JSON, so the schema's bounds or the second pass refuse the
// value, a 422 at its member, not a 400 for the whole body. safeValue
// never echoes an infinity.
var anyNumber = json.UnmarshalFromFunc(func(dec *jsontext.Decoder, v *any) error {
	if dec.PeekKind() != '0' {
		return errors.ErrUnsupported // the decoder's own
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	f, err := strconv.ParseFloat(tok.String(), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return err // not reached: the decoder checked the syntax
	}
	*v = f
	return nil
})

// integerUnmarshalers decode a JSON number into Go's integer types by its
// exact decimal value: the decoder's own refuses a fraction or an exponent
// even when the value is whole. A number that is not whole (which the
// schema refuses first, unless float64 rounds it to one) or out of the
// type's range is an error, a 422.
var integerUnmarshalers = json.JoinUnmarshalers(
	integerUnmarshaler[int](), integerUnmarshaler[int8](), integerUnmarshaler[int16](),
	integerUnmarshaler[int32](), integerUnmarshaler[int64](),
	integerUnmarshaler[uint](), integerUnmarshaler[uint8](), integerUnmarshaler[uint16](),
	integerUnmarshaler[uint32](), integerUnmarshaler[uint64](),
)

type integer interface {
	int | int8 | int16 | int32 | int64 | uint | uint8 | uint16 | uint32 | uint64
}

var (
	errNotWhole   = errors.New("not a whole number")
	errOutOfRange = errors.New("out of range")
)

func integerUnmarshaler[T integer]() *json.Unmarshalers {
	return json.UnmarshalFromFunc(func(dec *jsontext.Decoder, v *T) error {
		if dec.PeekKind() != '0' {
			return errors.ErrUnsupported // not a number: the decoder's own error
		}
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		n, err := wholeNumber(tok.String())
		if err != nil {
			return err
		}
		if n.IsInt64() {
			x := n.Int64()
			if t := T(x); int64(t) == x && (x < 0) == (t < 0) {
				*v = t
				return nil
			}
		} else if n.IsUint64() {
			x := n.Uint64()
			if t := T(x); uint64(t) == x && t > 0 {
				*v = t
				return nil
			}
		}
		return errOutOfRange
	})
}

// maxIntegerDigits bounds the digits of a whole number worth computing:
// more than any Go integer holds.
const maxIntegerDigits = 20

// wholeNumber is the value of a JSON number when it is whole, computed
// from its digits (never through a float64, which would round
// 1.0000000000000000001 to 1). A value of more than maxIntegerDigits
// digits is errOutOfRange, whatever its exponent says, so 1e999999999
// costs nothing.
func wholeNumber(num string) (*big.Int, error) {
	neg := strings.HasPrefix(num, "-")
	num = strings.TrimPrefix(num, "-")
	mantissa, exponent, hasExp := strings.Cut(strings.ToLower(num), "e")
	intPart, frac, _ := strings.Cut(mantissa, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return new(big.Int), nil // zero, whatever its exponent
	}
	// The value is digits × 10^scale.
	scale := -int64(len(frac))
	if hasExp {
		e, err := strconv.ParseInt(exponent, 10, 32)
		if err != nil {
			// An exponent beyond int32: a value far too large, or far
			// too small to be whole.
			if strings.HasPrefix(exponent, "-") {
				return nil, errNotWhole
			}
			return nil, errOutOfRange
		}
		scale += e
	}
	trimmed := strings.TrimRight(digits, "0")
	scale += int64(len(digits) - len(trimmed))
	switch {
	case scale < 0:
		return nil, errNotWhole
	case int64(len(trimmed))+scale > maxIntegerDigits:
		return nil, errOutOfRange
	}
	n, ok := new(big.Int).SetString(trimmed+strings.Repeat("0", int(scale)), 10)
	if !ok {
		return nil, errNotWhole // not reached: the decoder checked the syntax
	}
	if neg {
		n.Neg(n)
	}
	return n, nil
}

// decodeStrict is the Unmarshal of every request body. Its errors carry
// only the decodeMessages below (and, for a value that does not fit its
// field, the JSON Pointer of a member this API names): never a Go type,
// the decoder's own text or a piece of the body.
func decodeStrict(data []byte, v any) error {
	err := json.Unmarshal(data, v, decodeOptions)
	if err != nil {
		return &decodeError{describeDecodeError(data, err)}
	}
	if _, validating := v.(*any); !validating {
		// The second pass, into the input struct: a 422 from here on.
		return rejectNull(data)
	}
	return nil
}

// rejectNull refuses a null member anywhere in a body that decoded: no
// field of this API's requests is nullable, and huma's validation lets a
// null through for an optional member (the decoder would then store the
// field's zero value, as if the client had sent "").
func rejectNull(data []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(data), decodeOptions)
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil // the body decoded above: this is its end
		}
		if tok.Kind() == 'n' {
			msg := msgNull
			if at := safePointer(dec.StackPointer()); at != "" {
				msg += " (" + at + ")"
			}
			return &decodeError{msg}
		}
	}
}

// decodeError is an error of decodeStrict, with a message safe to show.
type decodeError struct{ message string }

func (e *decodeError) Error() string { return e.message }

// What decodeStrict says about a body it refuses.
const (
	msgNotJSON       = "not valid JSON"
	msgInvalidUTF8   = "not valid UTF-8"
	msgSurrogate     = "a string escapes half of a UTF-16 surrogate pair (\\ud800 to \\udfff alone)"
	msgDuplicateName = "an object has the same member name twice"
	msgTrailing      = "more follows the JSON value"
	msgTruncated     = "the body ends inside its JSON value"
	msgUnfit         = "a value does not fit its field"
	msgNull          = "null is not a value any field here takes"
)

// decodeLocated is the member a message of decodeStrict names
// ("a value does not fit its field (body.amount)" names body.amount), or "".
func decodeLocated(msg string) string {
	for _, m := range []string{msgUnfit, msgNull} {
		if at, ok := strings.CutPrefix(msg, m+" ("); ok && strings.HasSuffix(at, ")") && safePointerShape(strings.TrimSuffix(at, ")")) {
			return strings.TrimSuffix(at, ")")
		}
	}
	return ""
}

// safePointerShape reports whether loc is shaped as safePointer writes.
func safePointerShape(loc string) bool {
	return (loc == "body" || strings.HasPrefix(loc, "body.")) && safeLocation(loc) == loc
}

// decodeMessages are the messages of a 400 that a problem may repeat
// (safeDetails): they describe the body without quoting it.
var decodeMessages = map[string]bool{
	msgNotJSON: true, msgInvalidUTF8: true, msgSurrogate: true,
	msgDuplicateName: true, msgTrailing: true, msgTruncated: true,
}

// describeDecodeError says what is wrong with data, in words of this API.
// It tells the cases apart from the data itself where it can, so a newer
// decoder with other texts says the same.
func describeDecodeError(data []byte, err error) string {
	var sem *json.SemanticError
	switch {
	case !utf8.Valid(data):
		return msgInvalidUTF8
	case loneSurrogate(data):
		return msgSurrogate
	case errors.Is(err, jsontext.ErrDuplicateName):
		return msgDuplicateName
	case errors.As(err, &sem) && !errors.Is(err, io.ErrUnexpectedEOF):
		// The body is JSON, but a value cannot be stored in the input
		// struct (a number out of int64's range): the schema let it
		// through, so it is a 422.
		if at := safePointer(sem.JSONPointer); at != "" {
			return msgUnfit + " (" + at + ")"
		}
		return msgUnfit
	case errors.Is(err, io.ErrUnexpectedEOF):
		return msgTruncated
	}
	// A body whose first value is whole failed after it.
	dec := jsontext.NewDecoder(bytes.NewReader(data), decodeOptions)
	if _, first := dec.ReadValue(); first == nil {
		return msgTrailing
	}
	return msgNotJSON
}

// safePointer is p as a body location ("body.amount") when every token of
// it is an array index or shaped like this API's member names, else "".
func safePointer(p jsontext.Pointer) string {
	loc := "body"
	for tok := range p.Tokens() {
		if !safeName.MatchString(tok) && strings.Trim(tok, "0123456789") != "" {
			return ""
		}
		loc += "." + tok
	}
	return loc
}

// loneSurrogate reports whether data escapes half a surrogate pair in a
// string (\ud800 without a \udc00 after it, or a \udc00 alone), which
// encodes no character.
func loneSurrogate(data []byte) bool {
	hex4 := func(b []byte) (rune, bool) {
		if len(b) < 4 {
			return 0, false
		}
		var r rune
		for _, c := range b[:4] {
			switch {
			case '0' <= c && c <= '9':
				r = r<<4 | rune(c-'0')
			case 'a' <= c|0x20 && c|0x20 <= 'f':
				r = r<<4 | rune(c|0x20-'a'+10)
			default:
				return 0, false
			}
		}
		return r, true
	}
	for i := 0; i+1 < len(data); i++ {
		if data[i] != '\\' {
			continue
		}
		if data[i+1] != 'u' {
			i++ // an escaped character, perhaps a backslash
			continue
		}
		r, ok := hex4(data[i+2:])
		switch {
		case !ok || !utf16.IsSurrogate(r):
			i++
			continue
		case r >= 0xDC00:
			return true
		}
		rest := data[i+6:]
		if len(rest) < 2 || rest[0] != '\\' || rest[1] != 'u' {
			return true
		}
		if low, ok := hex4(rest[2:]); !ok || low < 0xDC00 || low > 0xDFFF {
			return true
		}
		i += 11
	}
	return false
}

// requireMediaType is an OnAddOperation hook (apiConfig): every operation
// that takes a request body checks, before huma reads it, that the body
// comes as one of the media types the operation declares
// (op.RequestBody.Content: application/json for a JSON body; a raw-body
// operation declares its own, such as multipart/form-data or
// application/octet-stream). Content-Type is parsed as a media type
// (mime.ParseMediaType: any letter case, parameters allowed); a body
// without it, with two, or of another type is a 415, and so is a JSON body
// in a charset other than UTF-8. A request without a body is not checked:
// huma answers a missing required body itself.
//
// The hook sees the operations that go into the document (every one
// registered through register); an operation registered with Hidden would
// not get the check.
func requireMediaType(_ *huma.OpenAPI, op *huma.Operation) {
	if op.RequestBody == nil || len(op.RequestBody.Content) == 0 {
		return
	}
	var accepted []string
	for ct := range op.RequestBody.Content {
		if mt, _, err := mime.ParseMediaType(ct); err == nil {
			accepted = append(accepted, mt)
		}
	}
	slices.Sort(accepted)
	op.Middlewares = append(op.Middlewares, func(ctx huma.Context, next func(huma.Context)) {
		r, _ := humago.Unwrap(ctx)
		if r.ContentLength == 0 {
			next(ctx)
			return
		}
		mt, ok := bodyMediaType(r.Header.Values("Content-Type"), accepted)
		if !ok {
			writeUnsupportedMediaType(ctx, accepted)
			return
		}
		// huma picks the format by the header's exact text: hand it the
		// parsed form ("Application/JSON" is application/json).
		r.Header.Set("Content-Type", mt)
		next(ctx)
	})
}

// bodyMediaType returns the Content-Type to decode the body as, in
// canonical form with its parameters, when the one header sent names an
// accepted media type.
func bodyMediaType(header, accepted []string) (string, bool) {
	if len(header) != 1 {
		return "", false
	}
	mt, params, err := mime.ParseMediaType(header[0])
	if err != nil || !slices.ContainsFunc(accepted, func(a string) bool { return mediaTypeMatches(a, mt) }) {
		return "", false
	}
	if cs, ok := params["charset"]; ok && isJSON(mt) && !strings.EqualFold(cs, "utf-8") {
		return "", false // JSON is UTF-8 (RFC 8259)
	}
	canonical := mime.FormatMediaType(mt, params)
	return canonical, canonical != ""
}

// mediaTypeMatches reports whether mt (lower case, no parameters) is the
// declared media type, or within a declared "type/*" or "*/*".
func mediaTypeMatches(declared, mt string) bool {
	switch {
	case declared == mt, declared == "*/*":
		return true
	case strings.HasSuffix(declared, "/*"):
		return strings.HasPrefix(mt, strings.TrimSuffix(declared, "*"))
	}
	return false
}

// isJSON reports whether mt is application/json or a +json type.
func isJSON(mt string) bool { return mt == "application/json" || strings.HasSuffix(mt, "+json") }

// writeUnsupportedMediaType answers 415 naming the media types the
// operation accepts, never the one sent.
func writeUnsupportedMediaType(ctx huma.Context, accepted []string) {
	detail := "send the body as " + strings.Join(accepted, " or ")
	p := withRequestID(ctx.Context(), &Problem{
		Type: ProblemTypeBase + kindMediaType.slug, Title: kindMediaType.title, Status: kindMediaType.status,
		Detail: detail, Errors: []*huma.ErrorDetail{{Location: "header.Content-Type", Message: detail}},
	})
	_, w := humago.Unwrap(ctx)
	writeProblem(w, p)
}
