package core

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"
)

// KeyID identifies an API key (not the secret).
type KeyID string

// APIKeyPrefix starts every secret, so a leaked key is recognisable.
const APIKeyPrefix = "cl_"

// apiKeyBytes of randomness: a key cannot be guessed, so a fast hash is the
// right way to store it (bcrypt would cost every request).
const apiKeyBytes = 32

// APIKey is what storage keeps of a key: its hash, never the secret.
type APIKey struct {
	ID        KeyID
	UserID    UserID
	Name      string
	Hint      string // the first characters of the secret, to tell keys apart
	Hash      KeyHash
	CreatedAt time.Time
	RevokedAt time.Time // zero while usable
	DeletedAt time.Time // set with the owner's deletion
}

// Active reports whether the key may authenticate.
func (k APIKey) Active() bool { return k.RevokedAt.IsZero() && k.DeletedAt.IsZero() }

// KeyHash is the SHA-256 of a secret key.
type KeyHash [sha256.Size]byte

// HashAPIKey returns the hash under which a presented key is looked up.
func HashAPIKey(secret string) KeyHash { return sha256.Sum256([]byte(secret)) }

// PageKey is the key's position in its user's list, oldest first.
func (k APIKey) PageKey() PageKey { return PageKey{Time: k.CreatedAt, ID: string(k.ID)} }

// NewAPIKeySecret returns a fresh secret: "cl_" and 32 random bytes in
// unpadded base64url.
func NewAPIKeySecret() string {
	b := make([]byte, apiKeyBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// apiKeySecretLength is the length of every secret NewAPIKeySecret makes.
var apiKeySecretLength = len(APIKeyPrefix) + base64.RawURLEncoding.EncodedLen(apiKeyBytes)

// WellFormedAPIKey reports whether s could be a key we issued, so that
// garbage is rejected before a storage lookup.
func WellFormedAPIKey(s string) bool {
	if len(s) != apiKeySecretLength || !strings.HasPrefix(s, APIKeyPrefix) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s[len(APIKeyPrefix):])
	return err == nil
}

// KeyHint is the part of a secret shown in key listings.
func KeyHint(secret string) string {
	const n = len(APIKeyPrefix) + 4
	if len(secret) < n {
		return secret
	}
	return secret[:n]
}
