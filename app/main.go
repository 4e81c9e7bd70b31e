package app

import (
	"context"
	"fmt"
	"io"
	"os/signal"
	"syscall"
)

const usage = `chatlens: chat-insights HTTP API

usage: chatlens <command> [flags]

commands:
  migrate up|down|status   apply, roll back or list database migrations
  help                     show this text

Every flag also reads a CHATLENS_ environment variable; "chatlens <command> -h"
lists them.
`

// Main runs the chatlens command line and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "migrate":
		return MigrateCommand(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "chatlens: unknown command %q\n\n%s", args[0], usage)
	return 2
}
