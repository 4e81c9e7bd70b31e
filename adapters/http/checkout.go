package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
)

// The pages a payment provider sends buyers back to (the success and
// cancel URLs of a checkout, on the configured public base URL): plain
// HTML, no script, nothing read from the request. The payment's state is
// in the API (GET /v1/payments/{id}); these pages only say what happens
// next.

const checkoutStyle = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f4f6;color:#1d1d24}
main{max-width:26rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002}
h1{margin:0 0 1rem;font-size:1.5rem}`

var checkoutStyleHash = func() string {
	sum := sha256.Sum256([]byte(checkoutStyle))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}()

var checkoutPage = template.Must(template.New("return").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · chatlens</title>
<style>{{.Style}}</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
</main>
</body>
</html>
`))

// checkoutReturns are the two pages, by path.
var checkoutReturns = map[string]struct{ Title, Text string }{
	"/checkout/success": {"Thank you", "Your payment went through. The credits are added as soon as the payment provider confirms it, " +
		"usually within seconds: your balance and GET /v1/payments show it. You can close this page."},
	"/checkout/cancel": {"Payment cancelled", "Nothing was charged and no credits were added. You can close this page, or start again."},
}

// mountCheckoutPages serves the pages buyers come back to.
func (s *Server) mountCheckoutPages() {
	for path, page := range checkoutReturns {
		s.Mount("GET "+path, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			h := w.Header()
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Cache-Control", "no-store")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Content-Security-Policy", "default-src 'none'; style-src '"+checkoutStyleHash+"'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
			_ = checkoutPage.Execute(w, struct {
				Title, Text string
				Style       template.CSS
			}{page.Title, page.Text, template.CSS(checkoutStyle)})
		}))
	}
}
