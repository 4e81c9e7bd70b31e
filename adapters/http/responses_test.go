package httpapi

import (
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

// TestDocumentRules: what finishDocument and the resources promise of
// every operation, so that an operation added later keeps it (see
// docs/MODULES.md, "HTTP operations"):
//   - every error response is a shared component, every success response
//     declares X-Request-ID and, when it has a body, its own example;
//   - request schemas are closed, response schemas open;
//   - ids (id, user_id) are format: uuid;
//   - an operation has one tag, so the docs page lists it once;
//   - the server entry is relative.
func TestDocumentRules(t *testing.T) {
	oapi := OpenAPI()
	if len(oapi.Servers) != 1 || !strings.HasPrefix(oapi.Servers[0].URL, "/") {
		t.Errorf("servers %+v: want one relative entry", oapi.Servers)
	}
	for _, op := range documentOperations(oapi) {
		if len(op.Tags) != 1 {
			t.Errorf("%s: tags %v, want one", op.OperationID, op.Tags)
		}
		for code, r := range op.Responses {
			status, _ := strconv.Atoi(code)
			switch {
			case status >= 400:
				if !strings.HasPrefix(r.Ref, "#/components/responses/") {
					t.Errorf("%s %s: not a shared response", op.OperationID, code)
				}
			default:
				if r.Headers[headerRequestID] == nil {
					t.Errorf("%s %s: no X-Request-ID", op.OperationID, code)
				}
				for ct, mt := range r.Content {
					if mt.Example == nil {
						t.Errorf("%s %s %s: no example (declare it with successes)", op.OperationID, code, ct)
					}
				}
			}
		}
	}
	for name, r := range oapi.Components.Responses {
		if r.Headers[headerRequestID] == nil {
			t.Errorf("response %s: no X-Request-ID", name)
		}
		for ct, mt := range r.Content {
			if mt.Example == nil || ct != "application/problem+json" {
				t.Errorf("response %s: %s, example %v", name, ct, mt.Example)
			}
		}
	}
	if oapi.Components.Responses["Unauthenticated"].Headers[headerWWWAuthenticate] == nil {
		t.Error("401 without WWW-Authenticate")
	}
	for _, name := range []string{"RateLimited", "Unavailable"} {
		if oapi.Components.Responses[name].Headers[headerRetryAfter] == nil {
			t.Errorf("%s without Retry-After", name)
		}
	}

	requests, responses := schemaUses(oapi)
	for s := range requests {
		// Inline schemas are a raw body's (a provider's webhook), not ours.
		if name := schemaName(oapi, s); name != "inline" && s.Type == huma.TypeObject && s.AdditionalProperties != false {
			t.Errorf("request schema %s is open", name)
		}
	}
	for s := range responses {
		if s.AdditionalProperties != nil {
			t.Errorf("response schema %s is closed", schemaName(oapi, s))
		}
	}
	for name, s := range oapi.Components.Schemas.Map() {
		for prop, ps := range s.Properties {
			if (prop == "id" || prop == "user_id") && ps.Format != "uuid" {
				t.Errorf("%s.%s: format %q, want uuid", name, prop, ps.Format)
			}
		}
	}
}
