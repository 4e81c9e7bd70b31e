package local

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// PagePath starts every checkout page's path; the token follows.
const PagePath = "/checkout/local/"

// WebhookPath is where the API takes this provider's webhooks.
const WebhookPath = "/v1/payments/webhooks/" + Name

// Handler serves the checkout pages: GET shows a session, POST (a form with
// action=pay, cancel or refund) sends the matching signed webhook to
// webhook, the API's handler, in process and through the same endpoint a
// real provider calls, then sends the buyer on as the provider would (to
// the success or cancel URL; back to the page after a refund).
//
// The page is plain HTML: no script at all, its one style block allowed by
// its hash, forms posting only to itself. The token in the path is the
// only credential, so the page is never cached and never sent as a
// Referer.
func (p *Provider) Handler(webhook http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.URL.Path, PagePath)
		p.mu.Lock()
		s, ok := p.byToken[token]
		if !ok {
			if s, ok = p.restore(token); ok {
				p.byToken[token], p.byPay[s.req.PaymentID] = s, s
			}
		}
		var view pageView
		if ok {
			if s.state == stateOpen && !p.cfg.Now().Before(s.expiresAt) {
				s.state = stateExpired
			}
			view = p.view(s)
		}
		p.mu.Unlock()
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src '"+styleHash+"'; form-action 'self'"+
			formTargets(view)+"; frame-ancestors 'none'; base-uri 'none'")
		switch {
		case !ok:
			page(w, http.StatusNotFound, pageView{Message: "There is no such checkout. Its link may be wrong, or the server restarted since it was made without CHATLENS_LOCAL_PAYMENTS_SECRET (its links then change with every start)."})
		case r.Method == http.MethodGet || r.Method == http.MethodHead:
			page(w, http.StatusOK, view)
		case r.Method == http.MethodPost:
			p.act(w, r, webhook, s, view)
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			page(w, http.StatusMethodNotAllowed, pageView{Message: "This page takes GET and POST only."})
		}
	})
}

// formTargets are the origins a form post may be redirected to (the
// success and cancel URLs), which CSP's form-action must allow.
func formTargets(v pageView) string {
	seen := map[string]bool{}
	var out string
	for _, raw := range []string{v.successURL, v.cancelURL} {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || seen[u.Host] {
			continue
		}
		seen[u.Host] = true
		out += " " + u.Scheme + "://" + u.Host
	}
	return out
}

// act carries out a form's action.
func (p *Provider) act(w http.ResponseWriter, r *http.Request, webhook http.Handler, s *session, view pageView) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		page(w, http.StatusBadRequest, withMessage(view, "The form could not be read."))
		return
	}
	action := r.PostForm.Get("action")
	var (
		ev        Event
		next      string
		refunded  int64
		returnURL string
	)
	base := Event{Created: p.cfg.Now().Unix(), Data: EventData{Session: s.id, Payment: string(view.payment)}}
	if action != "cancel" {
		base.Data.ProviderPayment = "pi_local_" + strings.TrimPrefix(s.id, "cs_local_")
	}
	switch {
	case action == "pay" && view.State == stateOpen:
		ev, next, returnURL = base, statePaid, view.successURL
		ev.ID, ev.Type = "evt_"+s.id+"_completed", TypeCompleted
		ev.Data.Paid, ev.Data.AmountTotal, ev.Data.Currency = true, view.amount, view.currency
	case action == "cancel" && view.State == stateOpen, action == "pay" && view.State == stateExpired:
		ev, next, returnURL = base, stateCancelled, view.cancelURL
		ev.ID, ev.Type = "evt_"+s.id+"_expired", TypeExpired
	case action == "refund" && view.State == statePaid:
		n, err := strconv.ParseInt(r.PostForm.Get("amount"), 10, 64)
		if err != nil || n < 1 || n > view.amount-view.refunded {
			page(w, http.StatusUnprocessableEntity, withMessage(view, "Refund between 1 and what is left unrefunded, in minor units."))
			return
		}
		refunded = view.refunded + n
		ev, next, returnURL = base, statePaid, PagePath+s.token
		ev.ID, ev.Type = "evt_"+s.id+"_refunded_"+strconv.FormatInt(refunded, 10), TypeRefunded
		ev.Data.AmountRefunded = refunded
	default:
		page(w, http.StatusConflict, withMessage(view, "That cannot be done to this checkout now."))
		return
	}
	if status := p.deliver(r, webhook, ev); status < 200 || status > 299 {
		page(w, http.StatusBadGateway, withMessage(view,
			"The webhook was answered with status "+strconv.Itoa(status)+"; nothing changed here. Try again."))
		return
	}
	p.mu.Lock()
	if next == stateCancelled && view.State == stateExpired {
		next = stateExpired
	}
	s.state = next
	s.refunded = max(s.refunded, refunded)
	p.mu.Unlock()
	http.Redirect(w, r, returnURL, http.StatusSeeOther)
}

// deliver sends ev, signed now, to the webhook endpoint in process and
// returns the status it answered.
func (p *Provider) deliver(r *http.Request, webhook http.Handler, ev Event) int {
	body, err := json.Marshal(ev)
	if err != nil {
		return http.StatusInternalServerError
	}
	req := httptest.NewRequestWithContext(r.Context(), http.MethodPost, WebhookPath, bytes.NewReader(body))
	req.RemoteAddr = r.RemoteAddr
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, p.Sign(body, p.cfg.Now()))
	rec := httptest.NewRecorder()
	webhook.ServeHTTP(rec, req)
	return rec.Code
}

// pageView is what a page shows.
type pageView struct {
	State, PackName, Price, Refunded, Message string
	Credits                                   int64
	CanRefund                                 bool
	RefundMax                                 int64

	payment               string
	amount, refunded      int64
	currency              string
	successURL, cancelURL string
	expiresAt             time.Time
}

func (p *Provider) view(s *session) pageView {
	r := s.req
	return pageView{
		State: s.state, PackName: r.Pack.Name, Credits: r.Pack.Credits, Price: money(r.Pack.PriceMinor, r.Currency),
		Refunded: money(s.refunded, r.Currency), CanRefund: s.state == statePaid && s.refunded < r.Pack.PriceMinor,
		RefundMax: r.Pack.PriceMinor - s.refunded,
		payment:   string(r.PaymentID), amount: r.Pack.PriceMinor, refunded: s.refunded, currency: r.Currency,
		successURL: r.SuccessURL, cancelURL: r.CancelURL, expiresAt: s.expiresAt,
	}
}

func withMessage(v pageView, m string) pageView { v.Message = m; return v }

// zeroDecimal are the ISO 4217 currencies without a minor unit (Stripe's
// list), whose amounts are whole units.
var zeroDecimal = map[string]bool{
	"bif": true, "clp": true, "djf": true, "gnf": true, "jpy": true, "kmf": true, "krw": true, "mga": true,
	"pyg": true, "rwf": true, "ugx": true, "vnd": true, "vuv": true, "xaf": true, "xof": true, "xpf": true,
}

// money formats an amount in minor units: "5.00 EUR".
func money(minor int64, currency string) string {
	code := strings.ToUpper(currency)
	if zeroDecimal[currency] {
		return strconv.FormatInt(minor, 10) + " " + code
	}
	return strconv.FormatInt(minor/100, 10) + "." + strconv.FormatInt(minor%100/10, 10) + strconv.FormatInt(minor%10, 10) + " " + code
}

const style = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f4f6;color:#1d1d24}
main{max-width:26rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002}
h1{margin:.2rem 0 1rem;font-size:1.6rem}.note{font-size:.85rem;color:#6a5300;background:#fff4cc;padding:.4rem .6rem;border-radius:6px}
.price{font-size:1.3rem}.row{display:flex;gap:.6rem;margin-top:1.5rem}form{margin:0}
button{font:inherit;padding:.6rem 1.2rem;border-radius:8px;border:1px solid #3b3bd6;background:#3b3bd6;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#3b3bd6}input{font:inherit;width:8rem;padding:.5rem}.state{font-weight:600}
.message{color:#a00000}`

// styleHash is CSP's hash source of the page's one style block.
var styleHash = func() string {
	sum := sha256.Sum256([]byte(style))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}()

var pageTemplate = template.Must(template.New("checkout").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>chatlens checkout (development)</title>
<style>{{.Style}}</style>
</head>
<body>
<main>
<p class="note">Development checkout: no money moves. Pay and cancel send this provider's signed webhook to chatlens.</p>
{{with .View}}{{if .PackName}}<h1>{{.PackName}}</h1>
<p class="price">{{.Credits}} credits for <strong>{{.Price}}</strong></p>
<p>Status: <span class="state">{{.State}}</span></p>
{{if eq .State "open"}}<div class="row">
<form method="post"><input type="hidden" name="action" value="pay"><button type="submit">Pay {{.Price}}</button></form>
<form method="post"><input type="hidden" name="action" value="cancel"><button type="submit" class="secondary">Cancel</button></form>
</div>{{end}}
{{if .CanRefund}}<form method="post" class="row"><input type="hidden" name="action" value="refund">
<label>Refund <input type="number" name="amount" min="1" max="{{.RefundMax}}" value="{{.RefundMax}}" aria-label="amount to refund, in minor units"></label>
<button type="submit" class="secondary">Refund</button></form>
<p>Refunded so far: {{.Refunded}}</p>{{end}}
{{end}}{{if .Message}}<p class="message">{{.Message}}</p>{{end}}{{end}}
</main>
</body>
</html>
`))

// page writes a page with status.
func page(w http.ResponseWriter, status int, v pageView) {
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, struct {
		Style template.CSS
		View  pageView
	}{template.CSS(style), v}); err != nil {
		http.Error(w, "the page could not be drawn", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
