package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/users"
)

// User is an account as the API shows it.
type User struct {
	ID          string    `json:"id" format:"uuid" doc:"The user's id." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d2e"`
	Email       string    `json:"email" format:"idn-email" doc:"The email signed up with, without surrounding spaces." example:"ada@example.com"`
	DisplayName string    `json:"display_name" doc:"The name shown to others." example:"Ada"`
	Role        string    `json:"role" enum:"user,admin" doc:"What the account may do: admin may also call the /v1/admin operations."`
	CreatedAt   time.Time `json:"created_at" doc:"When the account was created."`
}

func toUser(u core.User) User {
	return User{ID: string(u.ID), Email: u.Email, DisplayName: u.DisplayName, Role: string(u.Role), CreatedAt: u.CreatedAt}
}

// Me is the caller's account with its credit balance.
type Me struct {
	User
	Balance int64 `json:"balance" doc:"Credits available now." example:"120"`
}

// SignUpRequest creates an account.
type SignUpRequest struct {
	Email       string `json:"email" format:"idn-email" maxLength:"254" doc:"A bare address, local@domain, with a dot in the domain: no display name, comment, quoted local part or [IP] domain, and no space, control, text-direction, invisible or unassigned character; no part may mix scripts (Latin with Cyrillic, say). At most 254 bytes of UTF-8 as well as 254 characters. Stored with its domain in lower case. Unique among live accounts, compared case-insensitively; a non-ASCII look-alike of a live account's address (Unicode's confusables) is a 409." example:"ada@example.com"`
	DisplayName string `json:"display_name" minLength:"1" maxLength:"100" doc:"1 to 100 characters, not only spaces, with no control or text-direction characters (U+0000–U+001F, U+007F–U+009F, U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069). Spaces at either end are removed." example:"Ada"`
}

// NewAccount is the new account and its first API key.
type NewAccount struct {
	User   User      `json:"user"`
	APIKey NewAPIKey `json:"api_key"` // the first key: its secret is shown only here
}

type signUpInput struct {
	Body SignUpRequest
}

type signUpOutput struct {
	Location string `header:"Location" doc:"Where the account is: /v1/users/me."`
	Body     NewAccount
}

type meOutput struct {
	Body Me
}

type noInput struct{}

type noContent struct{}

// accounts serves sign-up and the caller's own account.
type accounts struct {
	users   Users
	credits Credits
	signUps *limiter
	recent  *recentKeys
}

// registerUsers registers the operations on /v1/users.
func registerUsers(api huma.API, users Users, credits Credits, signUps *limiter, recent *recentKeys) {
	r := accounts{users: users, credits: credits, signUps: signUps, recent: recent}
	register(api, operation{Operation: huma.Operation{
		OperationID: "sign-up", Method: http.MethodPost, Path: "/v1/users", Tags: []string{"users"},
		Summary:       "Sign up",
		Description:   "Creates an account and its first API key, whose secret is in the response and never shown again. Needs no key. Rate-limited per client address (429). An email already taken is a 409.",
		DefaultStatus: http.StatusCreated,
		Responses:     successes(success{http.StatusCreated, "The new account and its first key.", exampleNewAccount}),
	}, Answers: []int{http.StatusConflict, http.StatusTooManyRequests}}, r.signUp)
	register(api, operation{Operation: huma.Operation{
		OperationID: "get-me", Method: http.MethodGet, Path: "/v1/users/me", Tags: []string{"users"},
		Summary: "Get your account", Description: "Returns the caller's account with its credit balance. An account deleted while the request ran is a 404.",
		Responses: successes(success{http.StatusOK, "The caller's account.", Me{User: exampleUser, Balance: 120}}),
	}, Answers: []int{http.StatusNotFound}}, authed(r.me))
	register(api, operation{Operation: huma.Operation{
		OperationID: "delete-me", Method: http.MethodDelete, Path: "/v1/users/me", Tags: []string{"users"},
		Summary:       "Delete your account",
		Description:   "Deletes the caller's account and revokes all its keys at once. The credit ledger is kept. An account deleted meanwhile by another request is a 404.",
		DefaultStatus: http.StatusNoContent,
		Responses:     successes(success{http.StatusNoContent, "Deleted; no key of the account works any more.", nil}),
	}, Answers: []int{http.StatusNotFound}}, authed(r.deleteMe))
}

func (r accounts) signUp(ctx context.Context, in *signUpInput) (*signUpOutput, error) {
	if wait := r.signUps.take(infoFrom(ctx).clientAddr); wait > 0 {
		return nil, &RateLimitedError{Wait: wait}
	}
	user, key, err := r.users.SignUp(ctx, in.Body.Email, in.Body.DisplayName)
	if err != nil {
		return nil, explain(err, core.ErrConflict, "an account with that email exists")
	}
	info := infoFrom(ctx)
	info.userID = string(user.ID)
	r.recent.remember(info.clientAddr, key.Key.Hash) // its first calls come from here
	return &signUpOutput{
		Location: "/v1/users/me",
		Body:     NewAccount{User: toUser(user), APIKey: toNewKey(key)},
	}, nil
}

func (r accounts) me(ctx context.Context, p principal, _ *noInput) (*meOutput, error) {
	acc, err := r.credits.Balance(ctx, p.user.ID)
	if err != nil {
		return nil, err
	}
	return &meOutput{Body: Me{User: toUser(p.user), Balance: acc.Balance}}, nil
}

func (r accounts) deleteMe(ctx context.Context, p principal, _ *noInput) (*noContent, error) {
	return nil, r.users.Delete(ctx, p.user.ID)
}

// NewAPIKey is a key as created: the only time its secret is shown.
type NewAPIKey struct {
	APIKey
	Secret string `json:"secret" doc:"The key itself. Store it now: it is never shown again." example:"cl_3q2-7wKx8yZ0aBcDeFgHiJkLmNoPqRsTuVwXyZ01234"`
}

// APIKey is a key as listed: never its secret.
type APIKey struct {
	ID        string     `json:"id" format:"uuid" doc:"The key's id, to revoke it." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d2f"`
	Name      string     `json:"name" doc:"The label given at creation (the first key is 'default')." example:"laptop"`
	Hint      string     `json:"hint" doc:"The first characters of the secret, to tell keys apart." example:"cl_3q2-"`
	CreatedAt time.Time  `json:"created_at" doc:"When the key was created."`
	RevokedAt *time.Time `json:"revoked_at,omitempty" doc:"When the key was revoked; absent while it works."`
}

func toAPIKey(k core.APIKey) APIKey {
	out := APIKey{ID: string(k.ID), Name: k.Name, Hint: k.Hint, CreatedAt: k.CreatedAt}
	if !k.RevokedAt.IsZero() {
		out.RevokedAt = &k.RevokedAt
	}
	return out
}

func toNewKey(k users.NewKey) NewAPIKey {
	return NewAPIKey{APIKey: toAPIKey(k.Key), Secret: k.Secret}
}

// Examples of the document (finishDocument), kept beside the types.
var (
	exampleTime  = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	exampleUser  = User{ID: "0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d2e", Email: "ada@example.com", DisplayName: "Ada", Role: string(core.RoleUser), CreatedAt: exampleTime}
	exampleKey   = APIKey{ID: "0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d2f", Name: "laptop", Hint: "cl_3q2-", CreatedAt: exampleTime.Add(time.Hour)}
	exampleFirst = APIKey{ID: "0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d31", Name: "default", Hint: "cl_Xy12", CreatedAt: exampleTime}

	exampleNewAccount = NewAccount{User: exampleUser, APIKey: NewAPIKey{APIKey: exampleFirst, Secret: "cl_Xy12kT9vQ3mW7pL0sN4rB8dF2hJ6gC5aE1uZ9yR3wX0"}}
	exampleNewKey     = NewAPIKey{APIKey: exampleKey, Secret: "cl_3q2-7wKx8yZ0aBcDeFgHiJkLmNoPqRsTuVwXyZ01234"}
)
