package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/chatlens/chatlens/core"
	"github.com/chatlens/chatlens/core/users"
)

// CreateKeyRequest names a new key.
type CreateKeyRequest struct {
	Name string `json:"name,omitempty" maxLength:"100" doc:"A label to tell keys apart; up to 100 characters." example:"laptop"`
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
	ID string `path:"id" maxLength:"64" doc:"The key's id."`
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
	}, Answers: []int{http.StatusConflict}}, authed(r.create))
	register(api, operation{Operation: huma.Operation{
		OperationID: "list-keys", Method: http.MethodGet, Path: "/v1/users/me/keys", Tags: []string{"users"},
		Summary: "List your API keys", Description: "Pages through the caller's keys, revoked ones included, oldest first. Secrets are never listed.",
	}, Answers: []int{http.StatusUnprocessableEntity}, Echo: []string{"query.limit"}}, authed(r.list))
	register(api, operation{Operation: huma.Operation{
		OperationID: "revoke-key", Method: http.MethodDelete, Path: "/v1/users/me/keys/{id}", Tags: []string{"users"},
		Summary:       "Revoke an API key",
		Description:   "Revokes one of the caller's keys at once (the key making the call included). Another user's key is a 404.",
		DefaultStatus: http.StatusNoContent,
	}, Answers: []int{http.StatusNotFound}}, authed(r.revoke))
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
