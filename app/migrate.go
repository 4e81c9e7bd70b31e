package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/chatlens/chatlens/adapters/postgres"
	"github.com/chatlens/chatlens/migrations"
)

// MigrateCommand runs `chatlens migrate up|down|status`.
func MigrateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: chatlens migrate up|down|status [flags]\n\n"+
			"Applies, rolls back (the last group) or lists the migrations on PostgreSQL (CHATLENS_DATABASE_URL),\n"+
			"under an advisory lock. The job queue's schema (River's versions, listed as river/NNN) is applied\n"+
			"first and rolled back last, by the down that leaves none of the other migrations applied.\n"+
			"Every flag also reads the CHATLENS_ variable shown.")
		fs.PrintDefaults()
	}
	b := newBinder(fs)
	var db DatabaseConfig
	bindDatabase(b, &db)
	if err := b.parse(args, os.LookupEnv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "chatlens migrate:", err)
		return 2
	}
	if err := db.validate(); err != nil {
		fmt.Fprintln(stderr, "chatlens migrate:", err)
		return 2
	}
	args = b.positional()
	var verb func(ctx context.Context, mg *postgres.Migrator, out io.Writer) error
	known := false
	if len(args) == 1 {
		verb, known = migrateVerbs[args[0]]
	}
	if len(args) != 1 || !known || db.URL == "" {
		fs.Usage()
		switch {
		case len(args) == 1 && !known:
			fmt.Fprintf(stderr, "chatlens migrate: unknown verb %q: want up, down or status\n", args[0])
		case db.URL == "":
			fmt.Fprintln(stderr, "chatlens migrate: set CHATLENS_DATABASE_URL or --database-url")
		}
		return 2
	}
	if err := migrate(ctx, db, verb, stdout); err != nil {
		fmt.Fprintln(stderr, "chatlens migrate:", err)
		return 1
	}
	return 0
}

// migrateVerbs are what `chatlens migrate` does, by verb; an unknown verb
// is refused before any connection is made.
var migrateVerbs = map[string]func(ctx context.Context, mg *postgres.Migrator, out io.Writer) error{
	"up": func(ctx context.Context, mg *postgres.Migrator, out io.Writer) error {
		applied, err := mg.Up(ctx)
		for _, name := range applied {
			fmt.Fprintln(out, "applied", name)
		}
		if err == nil && len(applied) == 0 {
			fmt.Fprintln(out, "nothing to apply")
		}
		return err
	},
	"down": func(ctx context.Context, mg *postgres.Migrator, out io.Writer) error {
		rolledBack, err := mg.Down(ctx)
		for _, name := range rolledBack {
			fmt.Fprintln(out, "rolled back", name)
		}
		return err
	},
	"status": func(ctx context.Context, mg *postgres.Migrator, out io.Writer) error {
		status, err := mg.Status(ctx)
		for _, s := range status {
			state := "pending"
			if s.Applied {
				state = "applied"
			}
			fmt.Fprintf(out, "%-8s %s\n", state, s.Name)
		}
		return err
	},
}

func migrate(ctx context.Context, cfg DatabaseConfig, verb func(context.Context, *postgres.Migrator, io.Writer) error, out io.Writer) error {
	pc := cfg.Postgres(cfg.StoreOptions())
	pc.MaxOpenConns = 2
	db, err := postgres.OpenDB(pc)
	if err != nil {
		return err
	}
	defer db.Close()
	mg, err := postgres.NewMigrator(db, migrations.Files)
	if err != nil {
		return err
	}
	return verb(ctx, mg, out)
}
