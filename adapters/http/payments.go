package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
)

// Payments is what the API needs of the payments module (*payments.Service).
type Payments interface {
	Currency() string
	Packs(ctx context.Context) ([]core.CreditPack, error)
	AllPacks(ctx context.Context) ([]core.CreditPack, error)
	PutPack(ctx context.Context, p core.CreditPack) (core.CreditPack, bool, error)
	Create(ctx context.Context, user core.UserID, pack, idempotencyKey string) (core.Payment, bool, error)
	Get(ctx context.Context, user core.UserID, id string) (core.Payment, error)
	List(ctx context.Context, user core.UserID, cursor string, limit int) (core.Page[core.Payment], error)
	ListAll(ctx context.Context, filter core.PaymentFilter, cursor string, limit int) (core.Page[core.Payment], error)
	Webhook(ctx context.Context, provider string, payload []byte, header func(name string) string) (core.EventOutcome, error)
}

// Payment is a purchase of a pack as its buyer sees it.
type Payment struct {
	ID          string    `json:"id" format:"uuid" doc:"The payment's id." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d40"`
	Pack        string    `json:"pack" doc:"The slug of the pack bought." example:"starter"`
	Credits     int64     `json:"credits" doc:"The credits the pack adds once paid (as priced when the payment was made)." example:"100"`
	AmountMinor int64     `json:"amount_minor" doc:"The price charged, in the currency's minor unit." example:"500"`
	Currency    string    `json:"currency" doc:"ISO 4217, lower case." example:"usd"`
	Status      string    `json:"status" enum:"pending,paid,expired,failed,refunded" doc:"pending until the provider says the money arrived (paid), the checkout expired or the payment failed; paid may become refunded (fully or partly). It never moves back."`
	CheckoutURL string    `json:"checkout_url,omitempty" format:"uri" doc:"Where to pay, while the payment is pending; absent when the provider has not opened the checkout (create the payment again with the same Idempotency-Key)." example:"https://checkout.stripe.com/c/pay/cs_test_a1b2"`
	ExpiresAt   time.Time `json:"checkout_expires_at,omitzero" doc:"When the checkout stops taking payment."`
	Refunded    int64     `json:"refunded_minor" doc:"The amount refunded (or lost to a dispute) so far, in minor units." example:"0"`
	Granted     int64     `json:"credits_granted" doc:"Credits granted for this payment (0 until paid, and when flagged)." example:"100"`
	TakenBack   int64     `json:"credits_taken_back" doc:"Credits taken back by refunds." example:"0"`
	Shortfall   int64     `json:"shortfall" doc:"Credits a refund should have taken back but could not, because they had been spent." example:"0"`
	Flag        string    `json:"flag,omitempty" enum:"amount_mismatch,owner_deleted" doc:"Set when nothing was granted for a reason a person should look at: the provider charged another amount or currency than the pack's price, or the account was deleted before the payment completed."`
	CreatedAt   time.Time `json:"created_at" doc:"When the payment was made."`
	UpdatedAt   time.Time `json:"updated_at" doc:"When it last changed."`
}

// PaymentList is one page of payments, newest first.
type PaymentList struct {
	Items      []Payment `json:"items" nullable:"false"`
	NextCursor string    `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page."`
}

// AdminPayment is a payment as admins see it.
type AdminPayment struct {
	Payment
	UserID    string `json:"user_id" format:"uuid" doc:"The buyer." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d2e"`
	Provider  string `json:"provider" doc:"The payment provider." example:"stripe"`
	SessionID string `json:"session_id,omitempty" doc:"The provider's checkout session." example:"cs_test_a1b2"`
}

// AdminPaymentList is one page of every user's payments, newest first.
type AdminPaymentList struct {
	Items      []AdminPayment `json:"items" nullable:"false"`
	NextCursor string         `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page."`
}

// CreatePaymentRequest buys a pack.
type CreatePaymentRequest struct {
	Pack string `json:"pack" minLength:"1" maxLength:"40" pattern:"^[a-z0-9][a-z0-9-]*$" patternDescription:"a pack's slug" doc:"The slug of a pack on sale (GET /v1/packs)." example:"starter"`
}

// WebhookAck acknowledges a verified webhook delivery.
type WebhookAck struct {
	Received bool   `json:"received" doc:"Always true: the provider may stop sending this event."`
	Outcome  string `json:"outcome" enum:"applied,flagged,ignored,unknown_payment,duplicate" doc:"What the event did: applied (the payment changed), flagged (nothing granted, for a person to look at), ignored (nothing to do: it repeats what is known or would move the payment backwards), unknown_payment (no payment of this service; recorded), duplicate (this event was handled before)."`
}

type createPaymentInput struct {
	IdempotencyKey string `header:"Idempotency-Key" minLength:"1" maxLength:"200" pattern:"^[!-~]+$" patternDescription:"printable ASCII characters without spaces" doc:"Your unique name for this purchase: sending it again with the same pack returns the same payment (200), with another pack is a 422. 1 to 200 printable ASCII characters. Without it every request makes a new payment." example:"order-2025-06-01-a"`
	Body           CreatePaymentRequest
}

type paymentOutput struct {
	Status int
	Body   Payment
}

type getPaymentInput struct {
	ID string `path:"id" format:"uuid" pattern:"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" patternDescription:"a UUID in its hyphenated form" doc:"The payment's id (either letter case)." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d40"`
}

type getPaymentOutput struct {
	Body Payment
}

type listPaymentsOutput struct {
	Body PaymentList
}

// listAllPaymentsInput names the page's fields: huma skips an embedded
// struct of an unexported type, so an embedded pageInput would drop cursor
// and limit from the document and from the request.
type listAllPaymentsInput struct {
	Cursor    string `query:"cursor" maxLength:"200" pattern:"^[A-Za-z0-9_-]*$" doc:"next_cursor of the previous page; empty for the first page."`
	Limit     int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Items per page."`
	Shortfall bool   `query:"shortfall" doc:"Only payments whose refund found credits already spent (a shortfall)."`
	Flagged   bool   `query:"flagged" doc:"Only flagged payments (nothing was granted)."`
}

type listAllPaymentsOutput struct {
	Body AdminPaymentList
}

// webhookInput is a provider's delivery: its body exactly as sent, and its
// signature header (the provider says which).
type webhookInput struct {
	Provider          string `path:"provider" maxLength:"40" pattern:"^[a-z0-9-]+$" patternDescription:"a provider's name" doc:"The payment provider: stripe, or local (the development provider)." example:"stripe"`
	StripeSignature   string `header:"Stripe-Signature" doc:"Stripe's signature of the body (provider stripe)."`
	ChatlensSignature string `header:"Chatlens-Signature" doc:"The local provider's signature of the body, t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\"> (provider local)."`
	RawBody           []byte `contentType:"application/json" required:"true"`
	header            http.Header
}

// Resolve keeps the request's headers: the provider names the one its
// signature is in.
func (in *webhookInput) Resolve(ctx huma.Context) []error {
	in.header = http.Header{}
	ctx.EachHeader(func(name, value string) { in.header.Add(name, value) })
	return nil
}

type webhookOutput struct {
	Body WebhookAck
}

// maxWebhookBody bounds a provider's event: Stripe's carry the whole
// object they are about (a session, a charge, with up to 50 metadata
// entries of 500 characters), well past our own JSON bodies' 64 KiB; a
// legitimate event refused as too large would be retried for days and
// never applied.
const maxWebhookBody = 1 << 20

// webhookPath is where payment providers send their webhooks.
const webhookPath = "/v1/payments/webhooks/{provider}"

// paymentsResource serves payments and the providers' webhooks.
type paymentsResource struct {
	svc Payments
}

// registerPayments registers the operations on /v1/payments and
// /v1/admin/payments, and those of the packs.
func registerPayments(api huma.API, svc Payments) {
	registerPacks(api, svc)
	r := paymentsResource{svc: svc}
	register(api, operation{Operation: huma.Operation{
		OperationID: "create-payment", Method: http.MethodPost, Path: "/v1/payments", Tags: []string{"credits"},
		Summary: "Buy a credit pack",
		Description: "Starts buying a pack: answers 201 with a pending payment and its `checkout_url`, where the buyer pays at the payment provider. " +
			"The credits arrive when the provider's signed webhook says the money did (the payment becomes `paid`), exactly once. " +
			"With an `Idempotency-Key`, sending the request again returns the same payment (200). " +
			"A pack that is not on sale is a 422; a deployment with no payment provider configured answers 503.",
		DefaultStatus: http.StatusCreated,
		Responses: successes(
			success{http.StatusCreated, "The payment, pending, with where to pay.", examplePayment},
			success{http.StatusOK, "The payment made before with this Idempotency-Key.", examplePayment},
		),
	}, Answers: []int{http.StatusUnprocessableEntity}}, authed(r.create))
	register(api, operation{Operation: huma.Operation{
		OperationID: "list-payments", Method: http.MethodGet, Path: "/v1/payments", Tags: []string{"credits"},
		Summary: "List your payments", Description: "Pages through the caller's payments, newest first.",
		Responses: successes(success{http.StatusOK, "One page of the caller's payments.", PaymentList{Items: []Payment{examplePaid}}}),
	}, Answers: []int{http.StatusNotFound, http.StatusUnprocessableEntity}, Echo: []string{"query.limit"}}, authed(r.list))
	register(api, operation{Operation: huma.Operation{
		OperationID: "get-payment", Method: http.MethodGet, Path: "/v1/payments/{id}", Tags: []string{"credits"},
		Summary: "Get one of your payments", Description: "Another user's payment is a 404, as is an unknown one.",
		Responses: successes(success{http.StatusOK, "The payment.", examplePaid}),
	}, Answers: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, authed(r.get))
	register(api, operation{Operation: huma.Operation{
		OperationID: "payment-webhook", Method: http.MethodPost, Path: webhookPath, Tags: []string{"credits"},
		// The body is the provider's, read as sent (RawBody) and checked by
		// its signature, not by a schema of ours.
		SkipValidateBody: true,
		Summary:          "Receive a payment provider's webhook",
		Description: "Called by the payment provider, not by clients: no key, authenticated only by the provider's signature over the body exactly as sent. " +
			"A delivery whose signature does not verify (forged, too old, another secret, a malformed header) or whose body is not an event is a 400 and changes nothing. " +
			"Every verified event answers 200, whatever it did, so the provider stops sending it; each is applied once however often it is delivered.",
		Responses: successes(success{http.StatusOK, "The event was verified and handled (or had been).", WebhookAck{Received: true, Outcome: string(core.OutcomeApplied)}}),
	}, Answers: []int{http.StatusNotFound}, MaxBody: maxWebhookBody}, r.webhook)
	if body := api.OpenAPI().Paths[webhookPath].Post.RequestBody; body != nil {
		body.Content["application/json"].Schema = &huma.Schema{Type: huma.TypeObject,
			Description: "The provider's event, exactly as it sent and signed it (its own format)."}
	}
	register(api, operation{Operation: huma.Operation{
		OperationID: "list-all-payments", Method: http.MethodGet, Path: "/v1/admin/payments", Tags: []string{"admin"},
		Summary: "List payments (admin)",
		Description: "Pages through every user's payments, newest first. `shortfall=true` keeps those whose refund found the credits already spent " +
			"(the balance went to zero, and `shortfall` says how many credits could not be taken back); `flagged=true` those for which nothing was granted.",
		Responses: successes(success{http.StatusOK, "One page of payments.", AdminPaymentList{Items: []AdminPayment{exampleShortfall}}}),
	}, Answers: []int{http.StatusUnprocessableEntity}, Echo: []string{"query.limit"}}, r.listAll)
}

func (r paymentsResource) create(ctx context.Context, p principal, in *createPaymentInput) (*paymentOutput, error) {
	pay, created, err := r.svc.Create(ctx, p.user.ID, in.Body.Pack, in.IdempotencyKey)
	if err != nil {
		return nil, explain(err, core.ErrPaymentProvider, "the payment provider did not open the checkout; send the request again (with the same Idempotency-Key) after the delay in Retry-After")
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	return &paymentOutput{Status: status, Body: toPayment(pay)}, nil
}

func (r paymentsResource) list(ctx context.Context, p principal, in *pageInput) (*listPaymentsOutput, error) {
	page, err := r.svc.List(ctx, p.user.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &listPaymentsOutput{Body: PaymentList{Items: make([]Payment, 0, len(page.Items)), NextCursor: page.Next}}
	for _, pay := range page.Items {
		out.Body.Items = append(out.Body.Items, toPayment(pay))
	}
	return out, nil
}

func (r paymentsResource) get(ctx context.Context, p principal, in *getPaymentInput) (*getPaymentOutput, error) {
	pay, err := r.svc.Get(ctx, p.user.ID, in.ID)
	if err != nil {
		return nil, explain(err, core.ErrNotFound, "you have no payment with that id")
	}
	return &getPaymentOutput{Body: toPayment(pay)}, nil
}

func (r paymentsResource) listAll(ctx context.Context, in *listAllPaymentsInput) (*listAllPaymentsOutput, error) {
	page, err := r.svc.ListAll(ctx, core.PaymentFilter{Shortfall: in.Shortfall, Flagged: in.Flagged}, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &listAllPaymentsOutput{Body: AdminPaymentList{Items: make([]AdminPayment, 0, len(page.Items)), NextCursor: page.Next}}
	for _, pay := range page.Items {
		out.Body.Items = append(out.Body.Items, toAdminPayment(pay))
	}
	return out, nil
}

func (r paymentsResource) webhook(ctx context.Context, in *webhookInput) (*webhookOutput, error) {
	outcome, err := r.svc.Webhook(ctx, in.Provider, in.RawBody, in.header.Get)
	if err != nil {
		return nil, explain(err, core.ErrNotFound, "no payment provider of that name is configured")
	}
	return &webhookOutput{Body: WebhookAck{Received: true, Outcome: string(outcome)}}, nil
}

func toPayment(p core.Payment) Payment {
	out := Payment{
		ID: string(p.ID), Pack: string(p.Pack), Credits: p.Credits, AmountMinor: p.AmountMinor, Currency: p.Currency,
		Status: string(p.Status), Refunded: p.RefundedMinor, Granted: p.CreditsGranted, TakenBack: p.CreditsRevoked,
		Shortfall: p.Shortfall, Flag: string(p.Flag), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
	if p.Status == core.PaymentPending {
		out.CheckoutURL, out.ExpiresAt = p.CheckoutURL, p.SessionExpiresAt
	}
	return out
}

func toAdminPayment(p core.Payment) AdminPayment {
	return AdminPayment{Payment: toPayment(p), UserID: string(p.UserID), Provider: p.Provider, SessionID: p.SessionID}
}

// Examples of the document: a pending payment, the same paid, and a
// refunded one whose credits had been spent.
var (
	examplePayment = Payment{
		ID: "0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d40", Pack: "starter", Credits: 100, AmountMinor: 500, Currency: "usd",
		Status: string(core.PaymentPending), CheckoutURL: "https://checkout.stripe.com/c/pay/cs_test_a1b2",
		ExpiresAt: exampleTime.Add(25 * time.Hour), CreatedAt: exampleTime.Add(time.Hour), UpdatedAt: exampleTime.Add(time.Hour),
	}
	examplePaid = func() Payment {
		p := examplePayment
		p.Status, p.CheckoutURL, p.ExpiresAt, p.Granted, p.UpdatedAt = string(core.PaymentPaid), "", time.Time{}, 100, exampleTime.Add(time.Hour+2*time.Minute)
		return p
	}()
	exampleShortfall = func() AdminPayment {
		p := examplePaid
		p.Status, p.Refunded, p.TakenBack, p.Shortfall, p.UpdatedAt = string(core.PaymentRefunded), 500, 40, 60, exampleTime.Add(48*time.Hour)
		return AdminPayment{Payment: p, UserID: exampleUser.ID, Provider: "stripe", SessionID: "cs_test_a1b2"}
	}()
)
