package httpapi

import (
	"bytes"
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// goisms are words of Go or of its JSON decoders that a problem must never
// show: they describe the server, not the request.
var goisms = regexp.MustCompile(`(?i:\bgo (struct|value)|int64|float64|\bstruct\b|json:|jsontext|unmarshal|reflect|main\.|httpapi)|[a-z](Request|Input|Output)\b`)

// libraryText is what huma's format checks and parameter parsers say in
// their own words, or append from the library that checked: a problem says
// what is wrong in this API's words instead.
var libraryText = regexp.MustCompile(`expected string to be RFC|\b(mail|uuid|url|parse|strconv\.[A-Za-z]+): |invalid UUID|2006-01-02|Z07:00|date/time for format|parsing time|invalid (integer|float|boolean)`)

// TestStrictJSON: what the decoder refuses is a 400 saying why, a value the
// schema refuses is a 422, and neither stores anything or names Go types.
func TestStrictJSON(t *testing.T) {
	f := newFixture(t)
	admin := f.admin()
	id, key := f.signUp("a@example.com")
	grant := func(members string) string { return `{"user_id":"` + id + `",` + members + `}` }
	for _, tc := range []struct {
		name, body string
		status     int
		message    string // of errors[0]; "" checks only the status
		location   string // of errors[0]; "" checks none
	}{
		{"duplicate member", grant(`"amount":5,"reference":"proxy-sees-this","reference":"ledger-stores-this"`), 400, msgDuplicateName, ""},
		{"duplicate member, other values", grant(`"amount":5,"amount":7,"reference":"r"`), 400, msgDuplicateName, ""},
		{"invalid UTF-8", grant("\"amount\":5,\"reference\":\"r\xff\""), 400, msgInvalidUTF8, ""},
		{"invalid UTF-8 in a member name", grant("\"amount\":5,\"reference\":\"r\",\"\xc0\":1"), 400, msgInvalidUTF8, ""},
		{"lone high surrogate", grant(`"amount":5,"reference":"r\ud800"`), 400, msgSurrogate, ""},
		{"lone low surrogate", grant(`"amount":5,"reference":"r\udc00x"`), 400, msgSurrogate, ""},
		{"surrogates in the wrong order", grant(`"amount":5,"reference":"r\udc00\ud800"`), 400, msgSurrogate, ""},
		{"trailing value", grant(`"amount":5,"reference":"r"`) + ` {}`, 400, msgTrailing, ""},
		{"trailing garbage", grant(`"amount":5,"reference":"r"`) + `x`, 400, msgTrailing, ""},
		{"truncated", `{"user_id":"` + id + `","amount":`, 400, msgTruncated, ""},
		{"syntax", grant(`"amount":5,"reference":"r",`), 400, msgNotJSON, ""},
		{"member in another case", grant(`"Amount":5,"reference":"r"`), 422, "", ""},
		{"case-variant duplicate", grant(`"amount":5,"reference":"proxy-sees-this","Reference":"ledger-stores-this"`), 422, "unexpected property", ""},
		{"integer with a fraction", grant(`"amount":1.5,"reference":"r"`), 422, "expected integer", "body.amount"},
		{"integer whole as a float64 only", grant(`"amount":1.0000000000000000001,"reference":"r"`), 422, msgUnfit, "body.amount"},
		{"integer over the schema's maximum", grant(`"amount":1e10,"reference":"r"`), 422, "expected number <= 1e+09", "body.amount"},
		{"integer over int64", grant(`"amount":9223372036854775808,"reference":"r"`), 422, "", "body.amount"},
		{"integer beyond float64", grant(`"amount":1e400,"reference":"r"`), 422, "", "body.amount"},
		{"negative integer beyond float64", grant(`"amount":-1e400,"reference":"r"`), 422, "", "body.amount"},
		{"string where the number belongs, beside it in another case", grant(`"amount":5,"Amount":"x","reference":"r"`), 422, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := f.api.Post("/v1/admin/credits/grants", bearer(admin), "Content-Type: application/json", strings.NewReader(tc.body))
			slug := map[int]string{400: "bad-request", 422: "validation"}[tc.status]
			p := problem(t, resp, tc.status, slug)
			if tc.message != "" && (len(p.Errors) == 0 || p.Errors[0].Message != tc.message) {
				t.Errorf("errors %+v; want %q", p.Errors, tc.message)
			}
			if tc.location != "" && (len(p.Errors) == 0 || p.Errors[0].Location != tc.location) {
				t.Errorf("errors %+v; want one at %s", p.Errors, tc.location)
			}
			if goisms.MatchString(resp.Body.String()) {
				t.Errorf("the problem names Go or decoder internals: %s", resp.Body)
			}
			mustNotContain(t, resp.Body.String(), "proxy-sees-this", "ledger-stores-this")
		})
	}
	var ledger LedgerPage
	decode(t, f.api.Get("/v1/credits/ledger", bearer(key)), &ledger)
	if len(ledger.Items) != 0 {
		t.Fatalf("refused bodies stored %d ledger entries: %+v", len(ledger.Items), ledger.Items)
	}

	// An integer is a number whose value is whole, however it is written
	// (JSON Schema's "integer"): 5.0 and 1e2 are 5 and 100.
	for i, amount := range []string{"5.0", "1e2", "1E+2", "0.5e1", "500e-2", "1.000"} {
		resp := f.api.Post("/v1/admin/credits/grants", bearer(admin), "Content-Type: application/json",
			strings.NewReader(grant(`"amount":`+amount+`,"reference":"whole-`+strconv.Itoa(i)+`"`)))
		if resp.Code != http.StatusCreated {
			t.Fatalf("amount %s: %d %s", amount, resp.Code, resp.Body)
		}
	}
	var balance Balance
	decode(t, f.api.Get("/v1/credits", bearer(key)), &balance)
	if balance.Balance != 5+100+100+5+5+1 {
		t.Fatalf("balance %d after whole amounts written with fractions and exponents", balance.Balance)
	}

	// What strictness must not refuse: white space around the value, and a
	// character escaped as a whole surrogate pair.
	resp := f.api.Post("/v1/admin/credits/grants", bearer(admin), "Content-Type: application/json",
		strings.NewReader(" \n"+grant(`"amount":5,"reference":"r"`)+"\r\n\t "))
	if resp.Code != http.StatusCreated {
		t.Fatalf("a body with white space around it: %d %s", resp.Code, resp.Body)
	}
	resp = f.api.Post("/v1/users/me/keys", bearer(key), "Content-Type: application/json", strings.NewReader(`{"name":"phone \ud83d\udcf1"}`))
	var created NewAPIKey
	if resp.Code != http.StatusCreated {
		t.Fatalf("a surrogate pair: %d %s", resp.Code, resp.Body)
	}
	if decode(t, resp, &created); created.Name != "phone 📱" {
		t.Fatalf("name %q", created.Name)
	}
}

// TestNoGoTypeNamesInAnyProblem sends bodies of the wrong shape to every
// operation that takes one: no problem names a Go type or quotes the
// decoder, whatever the operation.
func TestNoGoTypeNamesInAnyProblem(t *testing.T) {
	f := newFixture(t)
	admin := f.admin()
	bodies := []string{
		`{"amount":"5","user_id":5,"reference":[],"name":{},"email":true,"display_name":1}`,
		`{"amount":1e400}`, `{"amount":1.5}`, `{"amount":9223372036854775808}`, `{"amount":-0.0}`,
		`[]`, `"text"`, `null`, `{"a":1,"a":1}`, `{"name":"\udfff"}`, "{\"name\":\"\xed\xa0\x80\"}", `{}{}`, `{`,
		`{"email":"no-at-sign","display_name":"X"}`, `{"email":"a@","display_name":"X"}`, `{"user_id":"notauuid","amount":5,"reference":"r"}`,
	}
	n := 0
	for path, item := range f.srv.API().OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Post, item.Put, item.Patch} {
			if op == nil || op.RequestBody == nil {
				continue
			}
			path := strings.NewReplacer("{id}", "0190a000-0000-7000-8000-000000000000").Replace(path)
			for _, body := range bodies {
				resp := f.api.Do(op.Method, path, bearer(admin), "Content-Type: application/json", strings.NewReader(body))
				n++
				if resp.Code < 400 {
					continue
				}
				if goisms.MatchString(resp.Body.String()) || libraryText.MatchString(resp.Body.String()) {
					t.Errorf("%s %s %s: the problem names Go or decoder internals: %s", op.Method, path, body, resp.Body)
				}
			}
		}
	}
	if n < 2*len(bodies) {
		t.Fatalf("only %d requests: the document lost its operations with a body", n)
	}

	// Parameters of the wrong shape, in every operation: an id that is no
	// UUID, a time that is no date-time, a number that is none.
	bad := []string{"notauuid", "yesterday", "1.5x", "-", "%00"}
	n = 0
	for _, item := range f.srv.API().OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op == nil || len(op.Parameters) == 0 {
				continue
			}
			for _, value := range bad {
				path, query, headers := op.Path, url.Values{}, []any{bearer(admin)}
				for _, p := range op.Parameters {
					switch p.In {
					case "path":
						path = strings.ReplaceAll(path, "{"+p.Name+"}", value)
					case "query":
						query.Set(p.Name, value)
					case "header":
						headers = append(headers, p.Name+": "+value)
					}
				}
				if len(query) > 0 {
					path += "?" + query.Encode()
				}
				resp := f.api.Do(op.Method, path, headers...)
				n++
				if goisms.MatchString(resp.Body.String()) || libraryText.MatchString(resp.Body.String()) {
					t.Errorf("%s %s: the problem names library or Go internals: %s", op.Method, path, resp.Body)
				}
			}
		}
	}
	if n < 10*len(bad) {
		t.Fatalf("only %d requests: the document lost its operations with parameters", n)
	}
}

// TestFormatMessagesInOurWords: every format huma's validator checks, and
// every parameter its parsers refuse, is reported in this API's words,
// whatever the library that checked it says.
func TestFormatMessagesInOurWords(t *testing.T) {
	formats := map[string]string{
		"date-time": "yesterday", "date-time-http": "yesterday", "date": "2024-13-01", "time": "25:00",
		"duration": "forever", "email": "no-at-sign", "idn-email": "a@b@c", "hostname": "-x-", "idn-hostname": "a..b",
		"ipv4": "1.2.3", "ipv6": "::g", "ip": "x", "uri": "http://[::1", "uri-reference": "%zz", "iri": ":", "iri-reference": "%",
		"uri-template": "{", "uuid": "notauuid", "json-pointer": "x", "relative-json-pointer": "/x", "regex": "(",
	}
	registry := huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer)
	for format, value := range formats {
		var res huma.ValidateResult
		huma.Validate(registry, &huma.Schema{Type: huma.TypeString, Format: format}, huma.NewPathBuffer(nil, 0), huma.ModeWriteToServer, value, &res)
		if len(res.Errors) == 0 {
			t.Errorf("format %s: %q passes; choose a value it refuses", format, value)
			continue
		}
		for _, err := range res.Errors {
			var d huma.ErrorDetailer
			if !errors.As(err, &d) {
				t.Fatalf("format %s: %v is no detail", format, err)
			}
			got := safeMessage(d.ErrorDetail().Message)
			if !strings.HasPrefix(got, "must be ") || strings.Contains(got, ": ") || libraryText.MatchString(got) {
				t.Errorf("format %s: huma's %q is %q", format, d.ErrorDetail().Message, got)
			}
		}
	}
	for _, msg := range []string{"invalid integer", "invalid float", "invalid floating value", "invalid boolean",
		"invalid date/time for format " + time.RFC3339Nano, "invalid date/time for format " + time.DateOnly,
		"invalid date/time for format Mon Jan _2", "invalid url.URL value"} {
		if got := safeMessage(msg); !strings.HasPrefix(got, "must be ") || libraryText.MatchString(got) || strings.Contains(got, "2006") {
			t.Errorf("safeMessage(%q) = %q", msg, got)
		}
	}
}

// TestSafeMessage: huma's messages that would carry an error's own text are
// cut to their fixed words.
func TestSafeMessage(t *testing.T) {
	for in, want := range map[string]string{
		"invalid value: parsing time \"x\" as main.Go type":                     "invalid value",
		"cannot read multipart form: multipart: NextPart: EOF":                  "cannot read multipart form",
		"invalid url.URL value":                                                 "must be a URL",
		"expected string to be RFC 4122 uuid: invalid UUID length: 8":           "must be a UUID",
		"expected string to be RFC 5322 email: mail: missing '@' or angle-addr": "must be an email address",
		"invalid date/time for format 2006-01-02T15:04:05.999999999Z07:00":      "must be an RFC 3339 date-time, such as 2024-03-01T09:15:00Z",
		"expected number >= 1":                                                  "expected number >= 1",
	} {
		if got := safeMessage(in); got != want {
			t.Errorf("safeMessage(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestContentType: the body's media type is parsed, in any letter case
// and with parameters; without one, or of another type, it is a 415 that
// names what the operation accepts and not what was sent.
func TestContentType(t *testing.T) {
	f := newFixture(t)
	_, key := f.signUp("a@example.com")
	for _, tc := range []struct {
		contentType string
		status      int
	}{
		{"application/json", 201},
		{"Application/JSON", 201},
		{"application/json; charset=utf-8", 201},
		{"APPLICATION/JSON ; CHARSET=\"UTF-8\"", 201},
		{"application/json;foo=bar", 201},
		{"", 415},
		{"application/json; charset=iso-8859-1", 415},
		{"evil/x+json", 415},
		{"application/private+json", 415},
		{"json", 415},
		{"text/json", 415},
		{"text/plain", 415},
		{"application/json, text/plain", 415},
		{"application/json; charset", 415},
		{"application/x-www-form-urlencoded", 415},
	} {
		t.Run(tc.contentType, func(t *testing.T) {
			args := []any{bearer(key)}
			if tc.contentType != "" {
				args = append(args, "Content-Type: "+tc.contentType)
			}
			resp := f.api.Post("/v1/users/me/keys", append(args, strings.NewReader(`{"name":"k"}`))...)
			if tc.status == 201 {
				if resp.Code != 201 {
					t.Fatalf("%d %s", resp.Code, resp.Body)
				}
				return
			}
			p := problem(t, resp, 415, "unsupported-media-type")
			if p.Detail != "send the body as application/json" {
				t.Errorf("detail %q", p.Detail)
			}
			mustNotContain(t, resp.Body.String(), "evil", "private", "plain", "iso-8859", "urlencoded", "text/")
		})
	}

	// Two Content-Type headers are two answers to one question.
	req := httptest.NewRequest(http.MethodPost, "/v1/users/me/keys", strings.NewReader(`{"name":"k"}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Add("Content-Type", "application/json")
	req.Header.Add("Content-Type", "text/plain")
	rec := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(rec, req)
	problem(t, rec, 415, "unsupported-media-type")

	// A request without a body needs no Content-Type: huma's own answer
	// about the missing body stands.
	if resp := f.api.Post("/v1/users/me/keys", bearer(key)); resp.Code == 415 {
		t.Fatalf("a request without a body: %d %s", resp.Code, resp.Body)
	}
	// The key checks come first: a 415 tells nothing to a caller without one.
	problem(t, f.api.Post("/v1/users/me/keys", "Content-Type: text/plain", strings.NewReader(`x`)), 401, "unauthenticated")
}

// TestRawBodyOperationsDeclareTheirTypes: the media-type check reads each
// operation's declared request types, so an operation with a raw body
// (uploads, payment webhooks) accepts its own and refuses JSON.
func TestRawBodyOperationsDeclareTheirTypes(t *testing.T) {
	f := newFixture(t)
	type rawInput struct {
		RawBody []byte `contentType:"application/octet-stream"`
	}
	type formInput struct {
		RawBody huma.MultipartFormFiles[struct {
			File huma.FormFile `form:"file" required:"true"`
		}]
	}
	type sizeOutput struct {
		Body struct {
			Size int `json:"size"`
		}
	}
	register(f.srv.API(), operation{Operation: huma.Operation{OperationID: "test-raw", Method: http.MethodPost, Path: "/test/raw"}},
		func(_ context.Context, in *rawInput) (*sizeOutput, error) {
			out := &sizeOutput{}
			out.Body.Size = len(in.RawBody)
			return out, nil
		})
	register(f.srv.API(), operation{Operation: huma.Operation{OperationID: "test-form", Method: http.MethodPost, Path: "/test/form"}},
		func(_ context.Context, in *formInput) (*sizeOutput, error) {
			out := &sizeOutput{}
			out.Body.Size = int(in.RawBody.Data().File.Size)
			return out, nil
		})

	if resp := f.api.Post("/test/raw", "Content-Type: Application/Octet-Stream", strings.NewReader("\x00\x01\x02")); resp.Code != 200 {
		t.Fatalf("raw body: %d %s", resp.Code, resp.Body)
	}
	p := problem(t, f.api.Post("/test/raw", "Content-Type: application/json", strings.NewReader(`{}`)), 415, "unsupported-media-type")
	if p.Detail != "send the body as application/octet-stream" {
		t.Errorf("detail %q", p.Detail)
	}
	problem(t, f.api.Post("/test/raw", strings.NewReader("\x00")), 415, "unsupported-media-type")

	var form bytes.Buffer
	w := multipart.NewWriter(&form)
	part, _ := w.CreateFormFile("file", "chat.txt")
	_, _ = part.Write([]byte("hello"))
	_ = w.Close()
	// The boundary parameter survives the check's rewrite of the header.
	resp := f.api.Post("/test/form", "Content-Type: Multipart/Form-Data; boundary="+w.Boundary(), bytes.NewReader(form.Bytes()))
	if resp.Code != 200 || !strings.Contains(resp.Body.String(), `"size":5`) {
		t.Fatalf("multipart body: %d %s", resp.Code, resp.Body)
	}
	problem(t, f.api.Post("/test/form", "Content-Type: application/json", strings.NewReader(`{}`)), 415, "unsupported-media-type")
}

// TestWholeNumber: the value of a number for an integer field comes from
// its digits, exactly; a fraction, or a value no Go integer holds, is an
// error (and 1e999999999 costs nothing).
func TestWholeNumber(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "-0": "0", "0.0e999999999999": "0", "1.0": "1", "1e2": "100", "-1.50E1": "-15", "500e-2": "5",
		"0.000001e6": "1", "18446744073709551615": "18446744073709551615", "123456789012345678900e-1": "12345678901234567890",
	} {
		n, err := wholeNumber(in)
		if err != nil || n.String() != want {
			t.Errorf("wholeNumber(%s) = %v, %v; want %s", in, n, err, want)
		}
	}
	for in, want := range map[string]error{
		"1.5": errNotWhole, "1.0000000000000000001": errNotWhole, "1e-1": errNotWhole, "1e-99999999999": errNotWhole,
		"1e21": errOutOfRange, "1e99999999999": errOutOfRange, "123456789012345678901": errOutOfRange,
	} {
		if _, err := wholeNumber(in); err != want {
			t.Errorf("wholeNumber(%s): %v; want %v", in, err, want)
		}
	}

	// Each integer type takes what it holds and refuses the rest.
	var v struct {
		I8  int8   `json:"i8"`
		U8  uint8  `json:"u8"`
		I64 int64  `json:"i64"`
		U64 uint64 `json:"u64"`
	}
	for body, ok := range map[string]bool{
		`{"i8":-128,"u8":255,"i64":-9.223372036854775808e18,"u64":1.8446744073709551615e19}`: true,
		`{"i8":1.27e2}`: true, `{"i8":128}`: false, `{"i8":-129}`: false, `{"u8":-1}`: false, `{"u8":256}`: false,
		`{"u64":-1e0}`: false, `{"u64":18446744073709551616}`: false, `{"i64":9223372036854775808}`: false,
		`{"i64":-9223372036854775809}`: false, `{"i64":1.5}`: false, `{"i64":"1"}`: false,
	} {
		if err := decodeStrict([]byte(body), &v); (err == nil) != ok {
			t.Errorf("%s: %v", body, err)
		}
	}
}

// TestLoneSurrogate covers the scanner's edges: escaped backslashes and
// whole pairs are not lone surrogates.
func TestLoneSurrogate(t *testing.T) {
	for in, want := range map[string]bool{
		`"\ud800"`: true, `"\uDBFF\u0041"`: true, `"\udc00"`: true, `"\ud800\ud800"`: true, `"\ud800`: true,
		`"\ud83d\ude00"`: false, `"\\ud800"`: false, `"\\\ud800"`: true, `"\u0041\ud7ff\ue000"`: false, `"\uZZZZ"`: false,
	} {
		if got := loneSurrogate([]byte(in)); got != want {
			t.Errorf("loneSurrogate(%s) = %v; want %v", in, got, want)
		}
	}
}

// TestNullIsRefused: no request field of this API is nullable. huma's
// validation lets a null through for an optional member, which the decoder
// would store as the field's zero value; it is a 422 and creates nothing.
func TestNullIsRefused(t *testing.T) {
	f := newFixture(t)
	_, key := f.signUp("a@example.com")
	resp := f.api.Post("/v1/users/me/keys", bearer(key), "Content-Type: application/json", strings.NewReader(`{"name":null}`))
	p := problem(t, resp, 422, "validation")
	if len(p.Errors) == 0 || p.Errors[0].Message != msgNull || p.Errors[0].Location != "body.name" {
		t.Fatalf("errors %+v; want %q at body.name", p.Errors, msgNull)
	}
	var list KeyList
	decode(t, f.api.Get("/v1/users/me/keys", bearer(key)), &list)
	if len(list.Items) != 1 {
		t.Fatalf("%d keys after a refused request; want the first one only", len(list.Items))
	}
}
