package app

import (
	"context"
	"strings"
	"testing"
)

// TestSubcommandHelpIsConsistent: every subcommand answers -h with exit 0
// and a first line "usage: chatlens <command> <what it needs>" that names
// the requirement before the flags.
func TestSubcommandHelpIsConsistent(t *testing.T) {
	for _, c := range []struct {
		args  []string
		usage string
	}{
		{[]string{"serve", "-h"}, "usage: chatlens serve [flags]"},
		{[]string{"migrate", "-h"}, "usage: chatlens migrate up|down|status [flags]"},
		{[]string{"openapi", "-h"}, "usage: chatlens openapi [--3.0]"},
		{[]string{"admin", "-h"}, "usage: chatlens admin create --email ADDRESS [flags]"},
		{[]string{"admin", "create", "-h"}, "usage: chatlens admin create --email ADDRESS [flags]"},
		{[]string{"parse", "-h"}, "usage: chatlens parse FILE [flags]"},
	} {
		var stdout, stderr strings.Builder
		code := Main(c.args, &stdout, &stderr)
		first, _, _ := strings.Cut(stderr.String()+stdout.String(), "\n")
		if code != 0 || first != c.usage {
			t.Errorf("chatlens %s: exit %d, first line %q; want 0 and %q", strings.Join(c.args, " "), code, first, c.usage)
		}
	}
}

// TestMigrateTakesFlagsAfterTheVerb: as the usage line shows them.
func TestMigrateTakesFlagsAfterTheVerb(t *testing.T) {
	var stdout, stderr strings.Builder
	code := MigrateCommand(context.Background(), []string{"nonsense", "--database-url", "postgres://x@127.0.0.1:1/x"}, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), `unknown verb "nonsense"`) {
		t.Fatalf("exit %d:\n%s\nwant the verb read as a verb and the flag as a flag", code, stderr.String())
	}
}
