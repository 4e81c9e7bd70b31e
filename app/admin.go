package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/adapters/system"
	"github.com/chatlens/chatlens/core/users"
)

// AdminCommand runs `chatlens admin create --email ADDRESS`: it creates an
// admin on PostgreSQL and prints its key once. On the memory adapter a
// separate process would have its own empty store, so there the way is
// CHATLENS_ADMIN_EMAIL on serve.
func AdminCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	const usage = "usage: chatlens admin create --email ADDRESS [flags]\n\n" +
		"Creates an admin on PostgreSQL (CHATLENS_DATABASE_URL) and prints its API key once.\n" +
		"Every flag also reads the CHATLENS_ variable shown."
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, usage)
		if len(args) == 1 && isHelp(args[0]) {
			return 0
		}
		return 2
	}
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fs.PrintDefaults()
	}
	var (
		cfg   Config
		email string
	)
	b := newBinder(fs)
	fs.StringVar(&email, "email", "", "the admin's email address")
	b.String(&cfg.Migrate, "migrate", "MIGRATE", "auto", "pending migrations: auto applies them, check refuses")
	bindDatabase(b, &cfg.Database)
	if err := b.parse(args[1:], os.LookupEnv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "chatlens admin create:", err)
		return 2
	}
	switch {
	case email == "":
		fmt.Fprintln(stderr, "chatlens admin create: --email is required")
		return 2
	case cfg.Database.URL == "":
		fmt.Fprintln(stderr, "chatlens admin create: needs CHATLENS_DATABASE_URL (on the memory adapter, start serve with CHATLENS_ADMIN_EMAIL instead)")
		return 2
	}
	if err := cfg.Database.validate(); err != nil {
		fmt.Fprintln(stderr, "chatlens admin create:", err)
		return 2
	}
	if err := createAdmin(ctx, cfg, email, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "chatlens admin create:", err)
		return 1
	}
	return 0
}

func createAdmin(ctx context.Context, cfg Config, email string, stdout, stderr io.Writer) error {
	pc := cfg.Database.Postgres(cfg.Database.StoreOptions())
	pc.MaxOpenConns = 2
	store, err := postgres.Open(pc)
	if err != nil {
		return err
	}
	defer store.Close()
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	if err := prepareSchema(ctx, store.DB(), cfg.Migrate, log); err != nil {
		return err
	}
	svc := users.NewService(store, system.Clock{}, &system.UUIDv7{})
	return ensureAdmin(ctx, svc, email, Console{stdout}, log)
}
