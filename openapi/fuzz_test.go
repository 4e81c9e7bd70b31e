package openapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"maps"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// The fuzz: for every operation in turn, a request generated from the 3.1
// document (path, query and header parameters and bodies from their
// schemas, JSON or the upload's multipart form, most of them valid, the
// rest broken in one of the ways clients and attackers break them),
// sent as one of the kinds of caller (a user, the admin, no key, a wrong,
// revoked or deleted account's key), and checked by contract.call.

type gen struct {
	c   *contract
	rng *rand.Rand
	n   int // a counter for unique names

	etags    []string // ETag headers seen, to send back as If-Match
	idemKeys []string // Idempotency-Keys sent, to send again
	exports  []string // files uploaded, to upload again
}

func (c *contract) fuzz(seed uint64, n int) {
	d := c.docs[1]
	ids := sortedKeys(d.ops)
	g := &gen{c: c, rng: newRNG(seed)}
	for i := range n {
		route := d.ops[ids[i%len(ids)]]
		r := g.request(route)
		g.learn(r, c.call(r))
	}
}

func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

func pick[T any](g *gen, xs ...T) T { return xs[g.rng.IntN(len(xs))] }

// ensurePool keeps a few live accounts to act as, made through the
// service (the sign-up rate limit is the fuzz's to spend).
func (g *gen) ensurePool() {
	for len(g.c.pool) < 3 {
		g.n++
		email := fmt.Sprintf("pool%d@example.com", g.n)
		u, key, err := g.c.users.SignUp(context.Background(), email, "Pool")
		if err != nil {
			g.c.t.Fatal(err)
		}
		g.c.pool = append(g.c.pool, account{id: string(u.ID), key: key.Secret, email: email})
		g.c.keyIDs = append(g.c.keyIDs, string(key.Key.ID))
		g.c.keySecrets[string(key.Key.ID)] = key.Secret
		g.c.keyOwner[string(key.Key.ID)] = string(u.ID)
	}
}

func (g *gen) request(route *routers.Route) request {
	g.ensurePool()
	op := route.Operation
	caller := g.c.pool[g.rng.IntN(len(g.c.pool))]
	r := request{op: op.OperationID, method: route.Method, header: http.Header{}, pathParams: map[string]string{}, query: url.Values{}}

	if secured(route) {
		g.authorize(r.header, route, caller)
	}
	path := route.Path
	params := slices.Concat(route.PathItem.Parameters, op.Parameters)
	for _, p := range params {
		p := p.Value
		switch p.In {
		case "path":
			v := g.pathValue(p, caller)
			r.pathParams[p.Name] = v
			path = strings.ReplaceAll(path, "{"+p.Name+"}", url.PathEscape(v))
		case "query":
			if g.chance(0.5) {
				r.query.Set(p.Name, g.queryValue(p))
			}
		case "header":
			if v, ok := g.headerValue(p); ok {
				r.header.Set(p.Name, v)
			}
		}
	}
	r.path = path
	if op.RequestBody != nil {
		if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			r.body, r.hasBody = g.body(mt.Schema.Value), true
			r.header.Set("Content-Type", g.contentType())
		} else if mt := op.RequestBody.Value.Content.Get("multipart/form-data"); mt != nil && mt.Schema != nil {
			var ct string
			r.body, ct = g.form(mt.Schema.Value)
			r.hasBody = true
			if ct != "" {
				r.header.Set("Content-Type", ct)
			}
		}
	}
	switch {
	case g.chance(0.08):
		g.n++
		r.header.Set("X-Request-ID", fmt.Sprintf("trace-%d.a_b", g.n))
	case g.chance(0.05):
		r.header.Set("X-Request-ID", pick(g, "has spaces", strings.Repeat("x", 65), "ünïcode", ""))
	}
	if g.chance(0.05) {
		r.header.Set("Accept", pick(g, "application/xml", "application/cbor", "text/html", "*/*", "application/problem+json"))
	}
	return r
}

func secured(route *routers.Route) bool {
	reqs := route.Operation.Security
	if reqs == nil {
		reqs = &route.Spec.Security
	}
	for _, req := range *reqs {
		if len(req) > 0 {
			return true
		}
	}
	return false
}

// authorize picks the caller: most often a key that works for the
// operation, else none, a malformed, unknown, revoked or deleted
// account's key, or a plain user on an admin operation.
func (g *gen) authorize(h http.Header, route *routers.Route, caller account) {
	admin := strings.HasPrefix(route.Path, "/v1/admin/")
	var v string
	switch x := g.rng.Float64(); {
	case x < 0.70:
		switch {
		case admin && g.chance(0.85), !admin && route.Operation.OperationID != "delete-me" && g.chance(0.08):
			v = "Bearer " + g.c.admin
		default:
			v = "Bearer " + caller.key
		}
	case x < 0.76:
		return
	case x < 0.82:
		v = pick(g, "Bearer cl_short", "Basic YWRhOnNlY3JldA==", "Bearer ", "bearer "+caller.key, "Bearer  "+caller.key+" ", "Token "+caller.key)
	case x < 0.89:
		b := make([]byte, 32)
		for i := range b {
			b[i] = byte(g.rng.IntN(256))
		}
		v = "Bearer cl_" + base64.RawURLEncoding.EncodeToString(b)
	case x < 0.95 && len(g.c.revked) > 0:
		v = "Bearer " + pick(g, g.c.revked...)
	case len(g.c.gone) > 0:
		v = "Bearer " + pick(g, g.c.gone...)
	default:
		return
	}
	h.Set("Authorization", v)
}

func (g *gen) pathValue(p *openapi3.Parameter, caller account) string {
	if p.Name == "id" {
		var own []string
		for _, id := range g.c.keyIDs {
			if g.c.keyOwner[id] == caller.id {
				own = append(own, id)
			}
		}
		switch x := g.rng.Float64(); {
		case x < 0.35 && len(own) > 0:
			return pick(g, own...)
		case x < 0.6 && len(g.c.keyIDs) > 0:
			id := pick(g, g.c.keyIDs...)
			if g.chance(0.1) {
				id = strings.ToUpper(id)
			}
			return id
		case x < 0.8:
			return randomUUID(g)
		default:
			return pick(g, "not-a-uuid", "{"+randomUUID(g)+"}", strings.ReplaceAll(randomUUID(g), "-", ""),
				"urn:uuid:"+randomUUID(g), strings.Repeat("a", 300), "é", "0", caller.id+"x")
		}
	}
	return g.str(p.Schema.Value, p.Name)
}

func (g *gen) queryValue(p *openapi3.Parameter) string {
	s := p.Schema.Value
	switch p.Name {
	case "cursor":
		switch x := g.rng.Float64(); {
		case x < 0.5 && len(g.c.ledger) > 0:
			return pick(g, g.c.ledger...)
		case x < 0.7:
			return ""
		default:
			return pick(g, "djEuMTIz", "!!!", "YWJj", strings.Repeat("A", 201), base64.RawURLEncoding.EncodeToString([]byte("v1.1700000000000000."+randomUUID(g))),
				base64.RawURLEncoding.EncodeToString([]byte("v1.-99999999999999999."+randomUUID(g))))
		}
	}
	if s.Type.Is("integer") {
		if g.chance(0.75) {
			return fmt.Sprint(g.integer(s))
		}
		return pick(g, "0", "-1", "201", "abc", "1.5", "", "99999999999999999999", "1e2")
	}
	return g.str(s, p.Name)
}

// headerValue is a value for a header parameter, or none: If-Match (an
// ETag the server gave, another version, any, or a malformed tag) and
// Idempotency-Key (new, sent before, at the length limit, or one the
// schema refuses). Other header parameters (webhook signatures) are left
// to the walk-through.
func (g *gen) headerValue(p *openapi3.Parameter) (string, bool) {
	switch p.Name {
	case "If-Match":
		switch x := g.rng.Float64(); {
		case x < 0.2:
			return "", false
		case x < 0.5 && len(g.etags) > 0:
			return pick(g, g.etags...), true
		case x < 0.8:
			return pick(g, `"1"`, `"2"`, `"3"`, "*", `W/"1"`, `"1", "2"`, `"999999"`), true
		default:
			return pick(g, "1", `""`, `"abc"`, `"-1"`, `"0"`, `"99999999999999999999"`, `"1`, `W/`, "ünï",
				strings.Repeat("x", 101), `"`+strings.Repeat("1", 99)+`"`), true
		}
	case "Idempotency-Key":
		g.n++
		switch x := g.rng.Float64(); {
		case x < 0.3:
			return "", false
		case x < 0.55:
			k := fmt.Sprintf("key-%d", g.n)
			g.idemKeys = append(g.idemKeys, k)
			return k, true
		case x < 0.75 && len(g.idemKeys) > 0:
			return pick(g, g.idemKeys...), true
		case x < 0.85:
			return pick(g, "~", strings.Repeat("!", 200), fmt.Sprintf("%d%s", g.n, strings.Repeat("~", 190))), true
		default:
			return pick(g, "has space", "tab\tkey", "ünïcode", strings.Repeat("k", 201), "é", "a\x80b"), true
		}
	}
	return "", false
}

// form is a multipart/form-data body for the upload (schema is its form):
// most often a small WhatsApp export, new or sent before, with fields the
// schema allows; else an empty, garbage or missing file, a title the
// schema refuses (blank, spaces only, a control or text-direction
// character, too long), an unknown or repeated part, or a body that is not
// multipart as its Content-Type says. It returns the body and the
// Content-Type ("" for none).
func (g *gen) form(schema *openapi3.Schema) ([]byte, string) {
	type part struct{ name, value string }
	var parts []part
	file := g.export()
	switch x := g.rng.Float64(); {
	case x < 0.6:
	case x < 0.66:
		file = ""
	case x < 0.72:
		b := make([]byte, 1+g.rng.IntN(300))
		for i := range b {
			b[i] = byte(g.rng.IntN(256))
		}
		file = string(b)
	case x < 0.76:
		file = pick(g, `{"messages":[]}`, "PK\x03\x04not a zip", "just some words\n", "\x00\x00\x00")
	case x < 0.82:
		file = "\x00missing" // no file part at all
	}
	if file != "\x00missing" {
		parts = append(parts, part{"file", file})
	}
	if g.chance(0.5) {
		title := g.str(schema.Properties["title"].Value, "title")
		if g.chance(0.35) {
			title = pick(g, "", " ", "   ", "\t", "\u00a0\u3000", "Family\u202e", "\u2066x", "a\x00b", "x\x7fy",
				strings.Repeat("é", 201), strings.Repeat("a", 200))
		}
		parts = append(parts, part{"title", title})
	}
	if g.chance(0.2) {
		parts = append(parts, part{"date_order", pick(g, "dmy", "mdy", "ymd", "dym", "", "DMY")})
	}
	if g.chance(0.2) {
		parts = append(parts, part{"time_zone", pick(g, "Europe/Madrid", "UTC", "America/New_York", "Mars/Olympus", "", "../etc/passwd")})
	}
	if g.chance(0.05) {
		parts = append(parts, part{pick(g, "nickname", "File", "ada@example.com"), "x"})
	}
	if g.chance(0.03) {
		parts = append(parts, part{"file", g.export()})
	}
	g.rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })

	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		var err error
		if p.name == "file" {
			var fw io.Writer
			if fw, err = w.CreateFormFile("file", "WhatsApp Chat with Ada.txt"); err == nil {
				_, err = io.WriteString(fw, p.value)
			}
		} else {
			err = w.WriteField(p.name, p.value)
		}
		if err != nil {
			g.c.t.Fatal(err)
		}
	}
	_ = w.Close()
	body, ct := b.Bytes(), w.FormDataContentType()
	switch x := g.rng.Float64(); {
	case x < 0.85:
	case x < 0.9:
		body = body[:len(body)/2] // cut short
	case x < 0.93:
		ct = "multipart/form-data" // no boundary
	case x < 0.96:
		ct = "Multipart/Form-Data; Boundary=" + w.Boundary()
	default:
		ct = pick(g, "", "application/json", "multipart/mixed; boundary="+w.Boundary(), "text/plain")
	}
	return body, ct
}

// export is a small WhatsApp export: a new one (a file the server has not
// seen), or, now and then, one uploaded before.
func (g *gen) export() string {
	if len(g.exports) > 0 && g.chance(0.15) {
		return pick(g, g.exports...)
	}
	g.n++
	var b strings.Builder
	for i := range 1 + g.rng.IntN(5) {
		fmt.Fprintf(&b, "%02d/03/2024, %02d:%02d - %s: %s %d\n", 1+i, 8+g.rng.IntN(12), g.rng.IntN(60),
			pick(g, "Ada", "Grace", "Ada Lovelace", "名前"), pick(g, "Dinner at eight?", "😂 sounds good", "See you", "<Media omitted>"), g.n)
	}
	g.exports = append(g.exports, b.String())
	return b.String()
}

func (g *gen) contentType() string {
	if g.chance(0.88) {
		return "application/json"
	}
	return pick(g, "", "text/plain", "application/xml", "Application/JSON", "application/json; charset=utf-8",
		"evil/x+json", "application/problem+json", "application/json, text/plain", "multipart/form-data; boundary=x")
}

// body is a JSON body for schema: a valid value, then, for a third of
// them, one of the ways a body goes wrong.
func (g *gen) body(s *openapi3.Schema) []byte {
	v := g.value(s, "")
	if !g.chance(0.35) {
		b, _ := json.Marshal(v)
		return b
	}
	obj, _ := v.(map[string]any)
	props := sortedKeys(s.Properties)
	prop := ""
	if len(props) > 0 {
		prop = pick(g, props...)
	}
	var ps *openapi3.Schema
	if prop != "" {
		ps = s.Properties[prop].Value
	}
	raw := func(v any) []byte { b, _ := json.Marshal(v); return b }
	switch g.rng.IntN(14) {
	case 0: // a required member missing
		if len(s.Required) > 0 {
			delete(obj, pick(g, s.Required...))
		}
	case 1: // a member the document does not have
		obj[pick(g, "nickname", "Amount", "role", "ÿ", "user id", "ada@example.com")] = "x"
	case 2: // the member under another letter case
		if prop != "" {
			obj[strings.ToUpper(prop[:1])+prop[1:]] = g.value(ps, prop)
		}
	case 3: // the wrong type
		if prop != "" {
			obj[prop] = pick[any](g, 12, "12", nil, map[string]any{}, []any{}, true, 1.5)
		}
	case 4: // one character too long, or at the limit in two-byte characters
		if ps != nil && ps.MaxLength != nil {
			n := int(*ps.MaxLength)
			obj[prop] = pick(g, strings.Repeat("a", n+1), strings.Repeat("é", n), strings.Repeat("é", n/2+1))
			if strings.Contains(prop, "email") {
				obj[prop] = pick(g, strings.Repeat("é", n-12)+"@example.com", strings.Repeat("a", n-11)+"@example.com")
			}
		}
	case 5: // a control, text-direction, invisible or space character
		if ps != nil && ps.Type.Is("string") {
			c := pick(g, "\x00", "\t", "\n", "\u0085", "\u200e", "\u202e", "\u2066", "\u200b", "\u00a0", "\ufeff", " ", "\u3000")
			base := fmt.Sprint(obj[prop])
			obj[prop] = pick(g, c+base, base+c, base[:len(base)/2]+c+base[len(base)/2:], c, c+c)
		}
	case 6: // a number out of range or not whole
		if ps != nil && (ps.Type.Is("integer") || ps.Type.Is("number")) {
			obj[prop] = pick[any](g, 0, -1, 1_000_000_001, 1.5, 1e30, -9223372036854775808)
		}
	case 7: // not JSON, or JSON and more
		b := raw(obj)
		return pick(g, b[:len(b)/2], append(b, []byte("{}")...), []byte("{"), []byte("nul"), []byte(""), []byte("'x'"))
	case 8: // another top-level value
		return pick(g, []byte("[]"), []byte("null"), []byte("5"), []byte(`"x"`), []byte("{}"))
	case 9: // a duplicate member, the second one different
		if prop != "" {
			b := raw(obj)
			dup := raw(map[string]any{prop: g.value(ps, prop)})
			return append(append(b[:len(b)-1], ','), dup[1:]...)
		}
	case 10: // invalid UTF-8, or a lone surrogate
		if prop != "" {
			b := raw(obj)
			if g.chance(0.5) {
				return append([]byte(`{"`+prop+`":"\xff\xfe",`), b[1:]...)
			}
			return append([]byte(`{"`+prop+`":"\ud800x",`), b[1:]...)
		}
	case 11: // larger than the body limit
		if prop != "" {
			obj[prop] = strings.Repeat("a", 70<<10)
		}
	case 12: // a string where the document has an empty one
		if ps != nil && ps.Type.Is("string") {
			obj[prop] = pick(g, "", " ", "   ")
		}
	case 13: // an emoji, a combining mark, a right-to-left script
		if ps != nil && ps.Type.Is("string") {
			obj[prop] = fmt.Sprint(obj[prop]) + pick(g, "😀", "e\u0301", "שלום", "👩\u200d💻")
		}
	}
	return raw(obj)
}

// value makes a valid value of s, as far as the schema says.
func (g *gen) value(s *openapi3.Schema, name string) any {
	if len(s.AllOf) > 0 {
		merged := map[string]any{}
		for _, sub := range s.AllOf {
			if m, ok := g.value(sub.Value, name).(map[string]any); ok {
				for k, v := range m {
					merged[k] = v
				}
			}
		}
		return merged
	}
	if len(s.Enum) > 0 {
		return pick(g, s.Enum...)
	}
	switch {
	case s.Type.Is("object"):
		m := map[string]any{}
		for _, prop := range sortedKeys(s.Properties) {
			if slices.Contains(s.Required, prop) || g.chance(0.6) {
				m[prop] = g.value(s.Properties[prop].Value, prop)
			}
		}
		return m
	case s.Type.Is("array"):
		var out []any
		for range g.rng.IntN(3) {
			out = append(out, g.value(s.Items.Value, name))
		}
		return out
	case s.Type.Is("integer"):
		return g.integer(s)
	case s.Type.Is("number"):
		return g.rng.Float64() * 100
	case s.Type.Is("boolean"):
		return g.chance(0.5)
	case s.Type.Is("string"):
		return g.str(s, name)
	}
	return nil
}

func (g *gen) integer(s *openapi3.Schema) int64 {
	lo, hi := int64(-1000), int64(1000)
	if s.Min != nil {
		lo = int64(*s.Min)
	}
	if s.Max != nil {
		hi = int64(*s.Max)
	}
	switch x := g.rng.Float64(); {
	case x < 0.15:
		return lo
	case x < 0.25:
		return hi
	case x < 0.8:
		return lo + g.rng.Int64N(min(hi-lo+1, 500))
	default:
		return lo + g.rng.Int64N(hi-lo+1)
	}
}

// str makes a string for s: ids the server knows, fresh emails, text that
// meets the pattern and length limits.
func (g *gen) str(s *openapi3.Schema, name string) string {
	g.n++
	switch s.Format {
	case "uuid":
		switch x := g.rng.Float64(); {
		case x < 0.6:
			a := pick(g, g.c.pool...)
			if g.chance(0.1) {
				return strings.ToUpper(a.id)
			}
			return a.id
		case x < 0.7 && len(g.c.keyIDs) > 0:
			return pick(g, g.c.keyIDs...)
		default:
			return randomUUID(g)
		}
	case "email", "idn-email":
		switch x := g.rng.Float64(); {
		case x < 0.1:
			return pick(g, g.c.pool...).email // taken
		case x < 0.2:
			return fmt.Sprintf("Ada.%d@Example.COM", g.n)
		case x < 0.3:
			return fmt.Sprintf("名前%d@例え.jp", g.n)
		case x < 0.35:
			return fmt.Sprintf("o'neil+%d@sub.example.ie", g.n)
		default:
			return fmt.Sprintf("user%d@example.com", g.n)
		}
	}
	re := compilePattern(s.Pattern)
	lo, hi := 1, 24
	if s.MinLength > 0 {
		lo = int(s.MinLength)
	}
	if s.MaxLength != nil && int(*s.MaxLength) < hi {
		hi = int(*s.MaxLength)
	}
	for range 20 {
		var b strings.Builder
		n := lo + g.rng.IntN(max(hi-lo+1, 1))
		if g.chance(0.1) && s.MaxLength != nil {
			n = int(*s.MaxLength)
		}
		for i := range n {
			if i == 0 || i == n-1 {
				b.WriteString(pick(g, "a", "Z", "7", "é"))
				continue
			}
			b.WriteString(pick(g, "a", "b", "c", "x", "y", "z", "K", "0", "9", "-", "_", " ", "é", "ß", "😀", "名"))
		}
		v := b.String()
		if re == nil || re.MatchString(v) {
			return v
		}
	}
	return fmt.Sprintf("v%d", g.n)
}

var patterns = map[string]*regexp.Regexp{}

// compilePattern reads an ECMA-262 pattern as kin-openapi does (\uXXXX
// becomes \x{XXXX}).
func compilePattern(p string) *regexp.Regexp {
	if p == "" {
		return nil
	}
	if re, ok := patterns[p]; ok {
		return re
	}
	re := regexp.MustCompile(regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`).ReplaceAllString(p, `\x{$1}`))
	patterns[p] = re
	return re
}

func randomUUID(g *gen) string {
	b := make([]byte, 16)
	for i := range b {
		b[i] = byte(g.rng.IntN(256))
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// learn keeps what an answer tells about the server's state: new
// accounts and keys, revoked keys, deleted accounts, cursors.
func (g *gen) learn(r request, a answer) {
	c := g.c
	bearer := apiKey.FindString(r.header.Get("Authorization"))
	if tag := a.header.Get("ETag"); tag != "" && len(g.etags) < 50 {
		g.etags = append(g.etags, tag)
	}
	switch {
	case r.op == "upload-chat" && a.status == http.StatusCreated:
		var chat struct{ ID string }
		if a.decode(&chat) {
			c.keyIDs = append(c.keyIDs, chat.ID)
			for _, acc := range c.pool {
				if acc.key == bearer {
					c.keyOwner[chat.ID] = acc.id
				}
			}
		}
	case r.op == "sign-up" && a.status == http.StatusCreated:
		var acc struct {
			User   struct{ ID, Email string }
			APIKey struct{ ID, Secret string } `json:"api_key"`
		}
		if a.decode(&acc) {
			c.pool = append(c.pool, account{id: acc.User.ID, key: acc.APIKey.Secret, email: acc.User.Email})
			c.keyIDs = append(c.keyIDs, acc.APIKey.ID)
			c.keySecrets[acc.APIKey.ID] = acc.APIKey.Secret
			c.keyOwner[acc.APIKey.ID] = acc.User.ID
		}
	case r.op == "create-key" && a.status == http.StatusCreated:
		var k struct{ ID, Secret string }
		if a.decode(&k) {
			c.keyIDs = append(c.keyIDs, k.ID)
			c.keySecrets[k.ID] = k.Secret
			for _, acc := range c.pool {
				if acc.key == bearer {
					c.keyOwner[k.ID] = acc.id
				}
			}
		}
	case r.op == "revoke-key" && a.status == http.StatusNoContent:
		id := strings.ToLower(r.pathParams["id"])
		if secret, ok := g.c.keySecrets[id]; ok {
			c.revked = append(c.revked, secret)
			g.replace(secret)
		}
	case r.op == "delete-me" && a.status == http.StatusNoContent:
		c.gone = append(c.gone, bearer)
		c.pool = slices.DeleteFunc(c.pool, func(x account) bool { return x.key == bearer })
		if bearer == c.admin {
			c.t.Fatal("the fuzz deleted the admin")
		}
	case (r.op == "list-ledger" || r.op == "list-keys") && a.status == http.StatusOK:
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		if a.decode(&page) && page.NextCursor != "" {
			c.ledger = append(c.ledger, page.NextCursor)
		}
	}
}

var apiKey = regexp.MustCompile(`cl_[A-Za-z0-9_-]{43}`)

// replace drops an account whose key was revoked from the pool (its
// other keys are not tracked).
func (g *gen) replace(secret string) {
	g.c.pool = slices.DeleteFunc(g.c.pool, func(x account) bool { return x.key == secret })
}

// sortedKeys: the fuzz walks maps in a fixed order, so a seed repeats it.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed>>1|1)) }
