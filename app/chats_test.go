package app

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx/fxtest"

	"github.com/chatlens/chatlens/adapters/memory"
	"github.com/chatlens/chatlens/adapters/system"
	"github.com/chatlens/chatlens/core/chats"
	"github.com/chatlens/chatlens/ports"
)

// TestPurgesRunForTheAppsLifetime: serve's purge runs at start and stops
// with the app, within its stop deadline.
func TestPurgesRunForTheAppsLifetime(t *testing.T) {
	store := memory.New(ports.DefaultStoreOptions())
	svc := chats.NewService(store, system.Clock{}, &system.UUIDv7{}, chats.Config{SpoolDir: t.TempDir()})
	var logs bytes.Buffer
	lc := fxtest.NewLifecycle(t)
	cfg := Config{Chats: ChatsConfig{PurgeInterval: 10 * time.Millisecond}}
	runPurges(lc, cfg, svc, slog.New(slog.NewJSONHandler(&logs, nil)))
	lc.RequireStart()
	time.Sleep(50 * time.Millisecond)
	stop, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := lc.Stop(stop); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "purge failed") {
		t.Fatalf("purge failed: %s", logs.String())
	}
}
