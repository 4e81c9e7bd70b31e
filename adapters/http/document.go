package httpapi

import (
	"github.com/danielgtaylor/huma/v2"
)

// APIVersion is the version of the API contract in the document.
const APIVersion = "0.1.0"

const apiDescription = `chatlens turns exported chat histories into statistics and insights.

**Authentication.** Every /v1 operation needs an API key, sent as
` + "`Authorization: Bearer cl_…`" + `, except sign-up, which returns your first key
(shown once), the price lists of credit packs and insights, and the payment
providers' webhooks. Keys are created and revoked under /v1/users/me/keys.
Operations under /v1/admin need an admin's key.

**Errors** are RFC 9457 problems (` + "`application/problem+json`" + `) with a stable
` + "`type`" + ` URI per kind of error and a ` + "`request_id`" + ` that is also in the
` + "`X-Request-ID`" + ` response header and the service's logs. Error bodies never echo
what you sent. 429 and 503 carry ` + "`Retry-After`" + ` (seconds).

**Pagination.** Listings return ` + "`items`" + ` and, when there is more,
` + "`next_cursor`" + `; pass it back as ` + "`cursor`" + `. A cursor is opaque; a tampered
one is a 422. ` + "`limit`" + ` defaults to 50, at most 200.

**Query parameters** sent with an empty value (` + "`?limit=`" + `, ` + "`?cursor=`" + `) are
taken as not sent: the parameter's default applies.

**Request bodies** are JSON (except a chat upload's, which is
` + "`multipart/form-data`" + `, read as it arrives), sent as ` + "`application/json`" + ` (any letter case,
parameters allowed, ` + "`charset`" + ` only ` + "`utf-8`" + `; anything else is a 415), and I-JSON
(RFC 7493): one value, valid UTF-8, no lone surrogates, no member named twice
(anything else is a 400). Members are matched by their exact names and only
the documented ones are taken (an unknown one, or one in another letter case,
is a 422).

**Extension members.** Response bodies, problems included, may gain members
in later versions; ignore those you do not know.

**Answers that are not operations'.** A path no operation has is a 404
problem; a method a path does not take is a 405 problem with ` + "`Allow`" + `
listing those it does (HEAD is answered wherever GET is, without a body).
Before any of this, Go's HTTP server answers by itself, in ` + "`text/plain`" + `
and without ` + "`X-Request-ID`" + `, a request it cannot read: 400 for a malformed
request line or header, or a missing Host; 431 for headers over 64 KiB; 501
for a ` + "`Transfer-Encoding`" + ` it does not know; 505 for an HTTP version other
than 1.x; and 417, with no body, for an ` + "`Expect`" + ` other than ` + "`100-continue`" + `.`

// apiConfig is huma's configuration. Nothing in it comes from the service's
// configuration, so the document is the same wherever it is generated.
func apiConfig() huma.Config {
	cfg := huma.DefaultConfig("chatlens", APIVersion)
	// No $schema links or /schemas routes: clients get plain JSON.
	cfg.CreateHooks = nil
	cfg.SchemasPath = ""
	cfg.DocsPath = "" // served by mountDocs, from the binary
	cfg.OpenAPIPath = "/openapi"
	// Strict input (decode.go): bodies decoded strictly, member names
	// matched exactly, each body's media type checked per operation.
	cfg.Formats = strictFormats()
	cfg.OnAddOperation = append(cfg.OnAddOperation, requireMediaType)
	cfg.Info.Description = apiDescription
	cfg.Info.License = &huma.License{Name: "Proprietary", URL: "https://chatlens.dev/terms"}
	cfg.Info.Contact = &huma.Contact{Name: "chatlens", URL: "https://chatlens.dev"}
	// Relative: the document works on whatever address serves it.
	cfg.Servers = []*huma.Server{{URL: "/", Description: "the server that serves this document"}}
	cfg.Tags = []*huma.Tag{
		{Name: "users", Description: "Accounts and API keys."},
		{Name: "credits", Description: "Balances and the credit ledger."},
		{Name: "chats", Description: "Uploaded chat exports: their messages, search and statistics."},
		{Name: "insights", Description: "The price list of insights, and the insights of a chat, made by background jobs."},
		{Name: "admin", Description: "Operations only admins may call."},
		{Name: "health", Description: "Liveness, readiness and pool statistics (no key needed)."},
	}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		securityName: {
			Type: "http", Scheme: "bearer", BearerFormat: "cl_ followed by 43 base64url characters",
			Description: "An API key from sign-up or POST /v1/users/me/keys.",
		},
	}
	return cfg
}

// maxJSONBody bounds every JSON request body of this API.
const maxJSONBody = 64 << 10

func ptr[T any](v T) *T { return &v }
