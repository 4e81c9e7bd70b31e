// Command chatlens is the one chatlens binary: the API server, its workers
// and the operator commands. Everything it does lives in package app.
package main

import (
	"os"

	"github.com/chatlens/chatlens/app"
)

func main() {
	os.Exit(app.Main(os.Args[1:], os.Stdout, os.Stderr))
}
