package app

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"
)

// binder registers flags that CHATLENS_ variables also set: a flag given
// on the command line beats its variable, which beats the default. The
// variables are applied after parsing, through the flag's own parser, so
// that -h never prints a value taken from the environment (a database
// password, say).
type binder struct {
	fs   *flag.FlagSet
	envs map[string]string // flag name -> variable name
	args []string          // positional arguments, in order, after parse
}

// positional returns the arguments that are not flags.
func (b *binder) positional() []string { return b.args }

func newBinder(fs *flag.FlagSet) *binder { return &binder{fs: fs, envs: map[string]string{}} }

func (b *binder) bind(flagName, env string) string {
	b.envs[flagName] = envPrefix + env
	return " (env " + envPrefix + env + ")"
}

func (b *binder) String(p *string, flagName, env, def, usage string) {
	b.fs.StringVar(p, flagName, def, usage+b.bind(flagName, env))
}

func (b *binder) Int(p *int, flagName, env string, def int, usage string) {
	b.fs.IntVar(p, flagName, def, usage+b.bind(flagName, env))
}

func (b *binder) Bool(p *bool, flagName, env string, def bool, usage string) {
	b.fs.BoolVar(p, flagName, def, usage+b.bind(flagName, env))
}

func (b *binder) Duration(p *time.Duration, flagName, env string, def time.Duration, usage string) {
	b.fs.DurationVar(p, flagName, def, usage+b.bind(flagName, env))
}

// parse parses args, then applies the variables of flags not given, and
// reports every malformed variable at once.
func (b *binder) parse(args []string, getenv func(string) (string, bool)) error {
	// Flags may come before or after the positional arguments, so help can
	// show the requirement first ("migrate up [flags]").
	for b.args = nil; ; {
		if err := b.fs.Parse(args); err != nil {
			return err
		}
		if args = b.fs.Args(); len(args) == 0 {
			break
		}
		b.args, args = append(b.args, args[0]), args[1:]
	}
	given := map[string]bool{}
	b.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	b.fs.VisitAll(func(f *flag.Flag) {
		env, ok := b.envs[f.Name]
		if !ok || given[f.Name] {
			return
		}
		if v, ok := getenv(env); ok {
			if err := b.fs.Set(f.Name, strings.TrimSpace(v)); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", env, v, err))
			}
		}
	})
	return errors.Join(errs...)
}
