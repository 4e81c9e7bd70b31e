package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"go.uber.org/fx"
)

// startTimeout bounds start-up: reaching the database and applying
// migrations included.
const startTimeout = 2 * time.Minute

// ServeCommand runs `chatlens serve`: the API until SIGINT or SIGTERM
// (ctx is cancelled), then a graceful shutdown.
func ServeCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := parseServe(args, stderr)
	if !ok {
		return code
	}
	level, _ := parseLevel(cfg.LogLevel)
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	// In-flight requests finish first (the API's OnStop), then the job
	// workers get theirs.
	return runApp(ctx, fx.New(Options(cfg, Console{stdout}, log)), log, cfg.HTTP.ShutdownTimeout+cfg.Jobs.stopGrace())
}

// runApp starts app within startTimeout, runs it until SIGINT or SIGTERM
// (ctx is cancelled, or fx's own handler hears it), then stops it within
// grace, and returns the process's exit code.
func runApp(ctx context.Context, app *fx.App, log *slog.Logger, grace time.Duration) int {
	if err := app.Err(); err != nil {
		log.Error("wiring failed", "error", err.Error())
		return 1
	}
	// A signal during the start does not cut it short (a hook stopped
	// half-way can leave a listener or a runner behind): the start runs to
	// its end within startTimeout, and the shutdown follows at once.
	startCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), startTimeout)
	defer cancel()
	if err := app.Start(startCtx); err != nil {
		log.Error("start failed", "error", err.Error())
		return 1
	}
	// SIGINT and SIGTERM reach both ctx and fx's own handler (app.Wait);
	// whichever is seen first, the shutdown is logged once.
	exit := 0
	select {
	case <-ctx.Done():
	case sig := <-app.Wait():
		exit = sig.ExitCode
	}
	log.Info("shutting down", "grace", grace.String())
	stopCtx, cancelStop := context.WithTimeout(context.Background(), grace)
	defer cancelStop()
	if err := app.Stop(stopCtx); err != nil {
		log.Error("shutdown failed", "error", err.Error())
		return 1
	}
	log.Info("stopped")
	return exit
}

// parseServe parses serve's flags and variables into one Config.
func parseServe(args []string, stderr io.Writer) (Config, int, bool) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: chatlens serve [flags]\n\nServes the API. Every flag also reads the CHATLENS_ variable shown.")
		fs.PrintDefaults()
	}
	var cfg Config
	b := newBinder(fs)
	bindServe(b, &cfg)
	if err := b.parse(args, os.LookupEnv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, 0, false
		}
		fmt.Fprintln(stderr, "chatlens serve:", err)
		return cfg, 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "chatlens serve: unexpected arguments %q\n", fs.Args())
		return cfg, 2, false
	}
	if err := cfg.validate(); err != nil {
		fmt.Fprintln(stderr, "chatlens serve:", err)
		return cfg, 2, false
	}
	return cfg, 0, true
}
