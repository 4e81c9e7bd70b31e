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
  serve                    serve the API and job workers (on memory unless CHATLENS_DATABASE_URL is set)
  worker                   run job workers only, on PostgreSQL (scale them apart from the API)
  migrate up|down|status   apply, roll back or list database migrations
  openapi [--3.0]          print the OpenAPI document (3.1, or the 3.0 downgrade)
  admin create --email A   create an admin on PostgreSQL and print its key once
  parse FILE               parse a chat export and print its import report
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
	case "serve":
		return ServeCommand(ctx, args[1:], stdout, stderr)
	case "worker":
		return WorkerCommand(ctx, args[1:], stdout, stderr)
	case "migrate":
		return MigrateCommand(ctx, args[1:], stdout, stderr)
	case "openapi":
		return OpenAPICommand(args[1:], stdout, stderr)
	case "admin":
		return AdminCommand(ctx, args[1:], stdout, stderr)
	case "parse":
		return ParseCommand(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "chatlens: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// isHelp reports whether arg asks for help, as -h and --help do to every
// subcommand's flag set.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}
