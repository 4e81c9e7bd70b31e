// Package migrations holds the versioned SQL schema, embedded in the binary.
//
// Each migration is a pair NNNNNNNNNNNNNN_name.tx.up.sql / .tx.down.sql; the
// ".tx" makes bun's migrator run the file in one transaction. The postgres
// adapter applies them under an advisory lock and marks one applied only
// after it succeeded.
package migrations

import "embed"

// Files are the SQL migrations.
//
//go:embed *.sql
var Files embed.FS
