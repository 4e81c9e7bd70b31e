package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/users"
)

// CreateKeyRequest names a new key.
type CreateKeyRequest struct {
	Name string `json:"name,omitempty" maxLength:"100" doc:"A label to tell keys apart: up to 100 characters, with no control or text-direction characters (U+0000–U+001F, U+007F–U+009F, U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069). Spaces at either end are removed; blank or absent gives the key no name." example:"laptop"`
}

type createKeyInput struct {
	Body CreateKeyRequest
}

type createKeyOutput struct {
	Body NewAPIKey
}

// KeyList is one page of the caller's keys, revoked ones included, oldest first.
type KeyList struct {
	Items      []APIKey `json:"items" nullable:"false"`
	NextCursor string   `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page."`
}

type listKeysOutput struct {
	Body KeyList
}

type revokeKeyInput struct {
	ID string `path:"id" format:"uuid" pattern:"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" patternDescription:"a UUID in its hyphenated form" doc:"The key's id, as listed (either letter case)." example:"0190f5a2-7c1e-7b3a-9d4e-2f6a8b0c1d2f"`
}

// keys serves a user's API keys.
type keys struct {
	svc    Users
	recent *recentKeys
}

// registerKeys registers the operations on /v1/users/me/keys.
func registerKeys(api huma.API, svc Users, recent *recentKeys) {
	r := keys{svc: svc, recent: recent}
	register(api, operation{Operation: huma.Operation{
		OperationID: "create-key", Method: http.MethodPost, Path: "/v1/users/me/keys", Tags: []string{"users"},
		Summary:       "Create an API key",
		Description:   "Creates another key for the caller; its secret is in the response and never shown again. A user holds at most " + strconv.Itoa(users.MaxKeysPerUser) + " active keys (409 beyond).",
		DefaultStatus: http.StatusCreated,
		Responses:     successes(success{http.StatusCreated, "The new key, with its secret.", exampleNewKey}),
	}, Answers: []int{http.StatusNotFound, http.StatusConflict}}, authed(r.create))
	register(api, operation{Operation: huma.Operation{
		OperationID: "list-keys", Method: http.MethodGet, Path: "/v1/users/me/keys", Tags: []string{"users"},
		Summary: "List your API keys", Description: "Pages through the caller's keys, revoked ones included, oldest first. Secrets are never listed.",
		Responses: successes(success{http.StatusOK, "One page of the caller's keys.", KeyList{Items: []APIKey{exampleRevoked, exampleKey}}}),
	}, Answers: []int{http.StatusNotFound, http.StatusUnprocessableEntity}, Echo: []string{"query.limit"}}, authed(r.list))
	register(api, operation{Operation: huma.Operation{
		OperationID: "revoke-key", Method: http.MethodDelete, Path: "/v1/users/me/keys/{id}", Tags: []string{"users"},
		Summary:       "Revoke an API key",
		Description:   "Revokes one of the caller's keys at once (the key making the call included); revoking it again changes nothing. Another user's key is a 404; an id that is not a UUID is a 422.",
		DefaultStatus: http.StatusNoContent,
		Responses:     successes(success{http.StatusNoContent, "Revoked; the key no longer works.", nil}),
	}, Answers: []int{http.StatusNotFound, http.StatusUnprocessableEntity}}, authed(r.revoke))
}

func (r keys) create(ctx context.Context, p principal, in *createKeyInput) (*createKeyOutput, error) {
	key, err := r.svc.CreateKey(ctx, p.user.ID, in.Body.Name)
	if err != nil {
		return nil, explain(err, core.ErrConflict, "too many active keys; revoke one first")
	}
	r.recent.remember(infoFrom(ctx).clientAddr, key.Key.Hash)
	return &createKeyOutput{Body: toNewKey(key)}, nil
}

func (r keys) list(ctx context.Context, p principal, in *pageInput) (*listKeysOutput, error) {
	page, err := r.svc.ListKeys(ctx, p.user.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &listKeysOutput{Body: KeyList{Items: make([]APIKey, 0, len(page.Items)), NextCursor: page.Next}}
	for _, k := range page.Items {
		out.Body.Items = append(out.Body.Items, toAPIKey(k))
	}
	return out, nil
}

func (r keys) revoke(ctx context.Context, p principal, in *revokeKeyInput) (*noContent, error) {
	err := r.svc.RevokeKey(ctx, p.user.ID, core.KeyID(in.ID))
	return nil, explain(err, core.ErrNotFound, "you hold no key with that id")
}

// exampleRevoked is the first key of exampleNewAccount, revoked.
var exampleRevoked = func() APIKey {
	k, at := exampleFirst, exampleTime.Add(2*time.Hour)
	k.RevokedAt = &at
	return k
}()
